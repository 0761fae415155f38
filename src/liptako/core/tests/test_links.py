"""Absolute links in mail and calendars come from LIPTAKO_BASE_URL, checked at deployment."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from liptako import environment
from liptako.core.checks import check_base_url
from liptako.core.links import absolute_url
from liptako.core.tests.test_settings import PRODUCTION, liptako


def test_links_use_the_configured_address(settings: Any) -> None:
    settings.LIPTAKO_BASE_URL = "https://liptako.example.org/aes"
    assert absolute_url("/reunions/") == "https://liptako.example.org/aes/reunions/"
    settings.LIPTAKO_BASE_URL = ""
    assert absolute_url("/reunions/") == "http://127.0.0.1:8000/reunions/"


def test_the_deploy_check_refuses_an_unset_address(settings: Any) -> None:
    settings.LIPTAKO_BASE_URL = ""
    (error,) = check_base_url()
    assert error.id == "liptako.E001"
    assert "LIPTAKO_BASE_URL" in error.msg
    settings.LIPTAKO_BASE_URL = "https://liptako.example.org"
    assert check_base_url() == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://liptako.example.org/", "https://liptako.example.org"),
        (" http://10.0.0.5:8080 ", "http://10.0.0.5:8080"),
        ("https://example.org/liptako/", "https://example.org/liptako"),
        ("", ""),
    ],
)
def test_the_address_is_read_without_its_trailing_slash(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: str
) -> None:
    monkeypatch.setenv("LIPTAKO_BASE_URL", raw)
    assert environment.env_base_url("LIPTAKO_BASE_URL") == expected


@pytest.mark.parametrize(
    "raw",
    [
        "liptako.example.org",
        "ftp://liptako.example.org",
        "https://",
        "https://liptako.example.org:port",
        "https://liptako.example.org/?next=/",
        "https://liptako.example.org/#top",
    ],
)
def test_an_unusable_address_is_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("LIPTAKO_BASE_URL", raw)
    with pytest.raises(ImproperlyConfigured, match="LIPTAKO_BASE_URL must be an address"):
        environment.env_base_url("LIPTAKO_BASE_URL")


def test_check_deploy_fails_in_production_without_the_address(tmp_path: Path) -> None:
    variables = {k: v for k, v in PRODUCTION.items() if k != "LIPTAKO_BASE_URL"}
    result = liptako(
        "check", "--deploy", home=tmp_path, SECRET_KEY=secrets.token_urlsafe(64), **variables
    )
    assert result.returncode != 0
    assert "liptako.E001" in result.stderr
    assert "LIPTAKO_BASE_URL is not set" in result.stderr


def test_development_defaults_to_the_local_server(tmp_path: Path) -> None:
    show = "from django.conf import settings; print(settings.LIPTAKO_BASE_URL)"
    result = liptako("shell", "--no-imports", "-c", show, home=tmp_path, DEBUG="1")
    assert result.stdout.strip() == "http://127.0.0.1:8000", result.stderr
