"""Liptako's settings, plus the benchmark's floor view (bench/floor_urls.py).

Used only by bench/run.py for the server it starts (``DJANGO_SETTINGS_MODULE=
bench.floor_settings``): the product's URLs are untouched.
"""

from __future__ import annotations

from liptako.settings import *  # noqa: F403 (the same settings, one override)

ROOT_URLCONF = "bench.floor_urls"
