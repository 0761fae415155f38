"""Absolute links for what leaves the site (mail, calendars, digests).

A page can use ``request.build_absolute_uri``; mail is sent after a commit, by a command or for
another user, so links are built from the configured ``LIPTAKO_BASE_URL`` instead.
"""

from __future__ import annotations

from django.conf import settings

#: Used when ``LIPTAKO_BASE_URL`` is unset (development, tests); ``check --deploy`` refuses it
#: in production (``liptako.core.checks``).
DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"


def base_url() -> str:
    return (settings.LIPTAKO_BASE_URL or DEVELOPMENT_BASE_URL).rstrip("/")


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse``, starting with ``/``) as an absolute address of this instance."""
    return base_url() + "/" + path.lstrip("/")
