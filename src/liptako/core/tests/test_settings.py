"""Settings read the environment with typed helpers that fail loudly on bad values."""

from __future__ import annotations

import datetime
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.utils import translation

from liptako import environment

PRODUCTION = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "liptako.example.org",
    "LIPTAKO_HTTPS": "1",
    "DATABASE_URL": "postgres://liptako@db.example.org:5432/liptako",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.org",
    "EMAIL_PORT": "587",
    "EMAIL_USE_TLS": "1",
    "LIPTAKO_BASE_URL": "https://liptako.example.org",
}

SHOW_SETTINGS = (
    "from django.conf import settings; "
    "print(settings.SECRET_KEY); print(settings.DATABASES['default']['NAME']); "
    "print(settings.DEBUG); print(settings.EMAIL_BACKEND)"
)


def liptako(*arguments: str, home: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run ``liptako`` as an operator would, with only the given configuration variables."""
    configuration = {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "LIPTAKO_HTTPS",
        "LIPTAKO_STATIC_MANIFEST",
        "LIPTAKO_BASE_URL",
    }
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in configuration and not k.startswith(("EMAIL_", "DJANGO_"))
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "liptako", *arguments],
        env={**base, "LIPTAKO_HOME": str(home), **variables},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_warning_with_production_variables(tmp_path: Path) -> None:
    result = liptako(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        home=tmp_path,
        SECRET_KEY=secrets.token_urlsafe(64),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_does_warn_when_debug_is_on(tmp_path: Path) -> None:
    # The check above would be worthless if it never failed: DEBUG on in production must.
    result = liptako(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        home=tmp_path,
        SECRET_KEY=secrets.token_urlsafe(64),
        **{**PRODUCTION, "DEBUG": "1"},
    )
    assert result.returncode != 0
    assert "security.W018" in result.stderr


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"EMAIL_PORT": "abc"}, "EMAIL_PORT must be an integer"),
        ({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES must be at least 1"),
        ({"DATABASE_URL": "mango://db/liptako"}, "DATABASE_URL is not a usable database URL"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 50 characters"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"LIPTAKO_BASE_URL": "liptako.example.org"}, "LIPTAKO_BASE_URL must be an address"),
        ({"DEFAULT_USER_TIMEZONE": "Africa/Nowhere"}, "DEFAULT_USER_TIMEZONE must be a time zone"),
        (
            {"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"},
            "EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on",
        ),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, dict) else "",
)
def test_a_bad_value_stops_the_start_and_names_the_variable(
    tmp_path: Path, variables: dict[str, str], message: str
) -> None:
    result = liptako("check", home=tmp_path, **variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_two_homes_are_two_instances_with_their_own_key_and_database(tmp_path: Path) -> None:
    first_home, second_home = tmp_path / "first", tmp_path / "second"
    first = liptako("shell", "--no-imports", "-c", SHOW_SETTINGS, home=first_home)
    second = liptako("shell", "--no-imports", "-c", SHOW_SETTINGS, home=second_home)
    first_again = liptako("shell", "--no-imports", "-c", SHOW_SETTINGS, home=first_home)
    assert first.returncode == second.returncode == first_again.returncode == 0, first.stderr

    first_key, first_database, debug, email_backend = first.stdout.split()
    second_key, second_database, _, _ = second.stdout.split()
    assert first_key != second_key
    assert Path(first_database) == first_home.resolve() / "liptako.sqlite3"
    assert Path(second_database) == second_home.resolve() / "liptako.sqlite3"
    # The key is generated once, kept in the home, readable by its owner only.
    assert first_again.stdout.split()[0] == first_key
    key_file = first_home / "secret_key"
    assert key_file.read_text().strip() == first_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Safe defaults: debug off, mail printed on the console.
    assert debug == "False"
    assert email_backend == "django.core.mail.backends.console.EmailBackend"


class TestEnvironmentReaders:
    def test_booleans(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for raw, expected in [("1", True), ("yes", True), ("On", True), ("0", False), ("", False)]:
            monkeypatch.setenv("LIPTAKO_FLAG", raw)
            assert environment.env_bool("LIPTAKO_FLAG") is expected
        monkeypatch.delenv("LIPTAKO_FLAG")
        assert environment.env_bool("LIPTAKO_FLAG", default=True) is True
        monkeypatch.setenv("LIPTAKO_FLAG", "2")
        with pytest.raises(ImproperlyConfigured, match="LIPTAKO_FLAG must be a boolean"):
            environment.env_bool("LIPTAKO_FLAG")

    def test_integers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("LIPTAKO_NUMBER", " 42 ")
        assert environment.env_int("LIPTAKO_NUMBER", 1) == 42
        monkeypatch.setenv("LIPTAKO_NUMBER", "")
        assert environment.env_int("LIPTAKO_NUMBER", 7) == 7
        monkeypatch.setenv("LIPTAKO_NUMBER", "-1")
        with pytest.raises(ImproperlyConfigured, match="at least 0"):
            environment.env_int("LIPTAKO_NUMBER", 1, minimum=0)
        monkeypatch.setenv("LIPTAKO_NUMBER", "4.5")
        with pytest.raises(ImproperlyConfigured, match="must be an integer"):
            environment.env_int("LIPTAKO_NUMBER", 1)

    def test_lists(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("LIPTAKO_HOSTS", " a.example.org, ,b.example.org ")
        assert environment.env_list("LIPTAKO_HOSTS", []) == ["a.example.org", "b.example.org"]
        monkeypatch.delenv("LIPTAKO_HOSTS")
        assert environment.env_list("LIPTAKO_HOSTS", ["localhost"]) == ["localhost"]

    def test_database_urls(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("LIPTAKO_DB", "postgres://postgres@127.0.0.1:5432/liptako")
        database = environment.env_database("LIPTAKO_DB", "sqlite:///x", conn_max_age=60)
        assert database["ENGINE"] == "django.db.backends.postgresql"
        assert database["NAME"] == "liptako"
        assert database["CONN_MAX_AGE"] == 60
        monkeypatch.setenv("LIPTAKO_DB", "  ")
        default = environment.env_database("LIPTAKO_DB", "sqlite:////tmp/x.db", conn_max_age=0)
        assert default["ENGINE"] == "django.db.backends.sqlite3"

    def test_secret_key_from_the_environment_wins(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        key = secrets.token_urlsafe(64)
        monkeypatch.setenv("SECRET_KEY", key)
        assert environment.secret_key(tmp_path) == key
        assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("language", "full", "short", "time", "amount"),
    [
        ("fr", "mercredi 6 novembre 2024", "06/11/2024", "6 novembre 2024 09:30", "1 250 000"),
        ("en", "Wednesday 6 November 2024", "06/11/2024", "6 November 2024, 09:30", "1,250,000"),
    ],
)
def test_dates_and_numbers_read_as_the_alliance_writes_them(
    language: str, full: str, short: str, time: str, amount: str
) -> None:
    moment = datetime.datetime(2024, 11, 6, 9, 30)  # noqa: DTZ001 (a wall-clock time)
    template = Template(
        '{{ day|date:"l j F Y" }}|{{ day|date:"SHORT_DATE_FORMAT" }}|{{ moment }}|{{ amount }}'
    )
    with translation.override(language):
        rendered = template.render(
            Context({"day": moment.date(), "moment": moment, "amount": 1250000})
        )
    assert rendered.replace("\N{NO-BREAK SPACE}", " ").split("|") == [full, short, time, amount]
