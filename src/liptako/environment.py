"""Typed readers for the environment variables that configure an instance.

Each reader fails loudly (``ImproperlyConfigured``) on a value it cannot parse, so a typo in
production stops the start instead of silently falling back to a default.
"""

from __future__ import annotations

import os
import secrets
import zoneinfo
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: Iterable[str]) -> str:
    allowed = list(choices)
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    if value not in allowed:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return value


def env_base_url(name: str) -> str:
    """An absolute http(s) address without a trailing slash (``https://liptako.example.org``).

    Empty when unset. Only scheme, host, port and an optional path prefix: a query or fragment
    would end up in the middle of every link built from it.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    try:
        has_valid_port = parts.port is None or parts.port > 0
    except ValueError:  # a port that is not a number, or out of range
        has_valid_port = False
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or not has_valid_port
        or parts.query
        or parts.fragment
    ):
        raise ImproperlyConfigured(
            f"{name} must be an address such as https://liptako.example.org, got {raw!r}"
        )
    return raw.rstrip("/")


def env_timezone(name: str, default: str) -> str:
    """An IANA time zone name (``Africa/Niamey``), checked against the zone database."""
    value = os.environ.get(name, "").strip() or default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be a time zone name such as Africa/Bamako, got {value!r}"
        ) from None
    return value


def env_database(name: str, default: str, *, conn_max_age: int) -> dict[str, Any]:
    """Django's database settings from a URL (``postgres://user@host:5432/name``)."""
    raw = os.environ.get(name, "").strip() or default
    try:
        return dict(dj_database_url.parse(raw, conn_max_age=conn_max_age, conn_health_checks=True))
    except (ValueError, dj_database_url.UnknownSchemeError) as error:
        raise ImproperlyConfigured(f"{name} is not a usable database URL: {error}") from None


def home_directory(project_root: Path) -> Path:
    """The instance's home folder (``LIPTAKO_HOME``), created on first use."""
    raw = os.environ.get("LIPTAKO_HOME")
    home = Path(raw).expanduser().resolve() if raw else project_root / "var"
    home.mkdir(parents=True, exist_ok=True)
    return home


def secret_key(home: Path) -> str:
    """``SECRET_KEY`` from the environment, else from ``HOME/secret_key``, generated once."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        if len(from_env) < 50:
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long")
        return from_env
    path = home / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting at once never write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(64))
    return path.read_text().strip()
