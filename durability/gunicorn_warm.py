"""gunicorn settings of the crash test: with ``--preload``, also load the URL configuration
(every view module, the API) in the master, so a worker forked after a ``kill -9`` serves its
first request at once instead of importing them again."""

from __future__ import annotations

from typing import Any


def when_ready(server: Any) -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URL configuration and its views)
