from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from liptako.accounts.models import User
from liptako.accounts.services import user_create
from liptako.audit.models import AuditEvent
from liptako.testing import TEST_PASSWORD

LOGIN = "/comptes/connexion/"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _log_in(client: Client, username: str, password: str = TEST_PASSWORD, **extra: str):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def test_the_login_page_is_public_and_french(client: Client, db: None) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Connexion" in page
    assert "Nom d\u2019utilisateur" in page
    assert "Mot de passe" in page


def test_anonymous_pages_redirect_to_login(client: Client, db: None) -> None:
    response = client.get("/comptes/profil/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def test_it_logs_in_and_records_the_login(client: Client, expert_mli: User) -> None:
    response = _log_in(client, "expert.mli", next="/comptes/profil/")
    assert response.status_code == 302
    assert response["Location"] == "/comptes/profil/"
    event = AuditEvent.objects.filter(verb="user.login").get()
    assert event.actor_id == expert_mli.pk
    assert event.payload == {"ip_address": "127.0.0.1"}
    assert client.get("/").status_code == 200


def test_a_wrong_password_shows_a_french_error_and_is_recorded(
    client: Client, expert_mli: User
) -> None:
    response = _log_in(client, "expert.mli", "wrong password")
    assert response.status_code == 200
    assert (
        "Saisissez un nom d\u2019utilisateur et un mot de passe valides"
        in response.content.decode()
    )
    event = AuditEvent.objects.filter(verb="user.login_failed").get()
    assert event.actor_id is None
    assert event.target_id == str(expert_mli.pk)
    assert event.payload == {
        "username": "expert.mli",
        "ip_address": "127.0.0.1",
        "locked_out": False,
    }
    assert "_auth_user_id" not in client.session


def test_an_unknown_username_is_recorded_without_target(client: Client, db: None) -> None:
    _log_in(client, "nobody")
    event = AuditEvent.objects.filter(verb="user.login_failed").get()
    assert event.target_id == ""
    assert event.payload["username"] == "nobody"


def test_an_empty_field_gets_its_error_next_to_it(client: Client, db: None) -> None:
    response = client.post(LOGIN, {"username": "someone", "password": ""})
    page = response.content.decode()
    assert 'id="id_password_error"' in page
    assert "Ce champ est obligatoire." in page
    assert 'aria-invalid="true"' in page


def test_it_logs_out_and_records_it(client: Client, expert_mli: User) -> None:
    client.force_login(expert_mli)
    response = client.post("/comptes/deconnexion/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert AuditEvent.objects.filter(verb="user.logout", actor=expert_mli).count() == 1
    assert client.get("/").status_code == 302


def test_passwords_are_hashed_with_argon2(db: None, markings: dict) -> None:
    user = user_create(actor=None, username="new.user", password="a long enough passphrase")
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert user.check_password("a long enough passphrase")


def test_the_sixth_attempt_is_locked_out_even_with_the_right_password(
    client: Client, expert_mli: User
) -> None:
    for _attempt in range(5):
        _log_in(client, "expert.mli", "wrong password")
    response = _log_in(client, "expert.mli")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Trop de tentatives" in page
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(verb="user.login").count() == 0
    last = AuditEvent.objects.filter(verb="user.login_failed").order_by("-sequence").first()
    assert last is not None
    assert last.payload["locked_out"] is True


def test_the_lockout_is_per_username_and_address(
    client: Client, expert_mli: User, observer: User
) -> None:
    for _attempt in range(5):
        _log_in(client, "expert.mli", "wrong password")
    assert _log_in(client, "observer.mli").status_code == 302
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert _log_in(other_address, "expert.mli").status_code == 302


def test_a_session_expires_after_the_idle_time_and_activity_renews_it(
    client: Client, expert_mli: User, settings
) -> None:
    assert settings.SESSION_IDLE_MINUTES == 30
    with time_machine.travel(START, tick=False) as traveller:
        assert _log_in(client, "expert.mli").status_code == 302
        traveller.shift(dt.timedelta(minutes=20))
        assert client.get("/").status_code == 200
        traveller.shift(dt.timedelta(minutes=29))  # 49 minutes after log-in, 29 idle
        assert client.get("/").status_code == 200
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get("/comptes/profil/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_session_is_written_once_a_minute_not_on_every_request(
    client: Client, expert_mli: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def session_writes() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return sum('UPDATE "django_session"' in query["sql"] for query in queries)

    with time_machine.travel(START, tick=False) as traveller:
        assert _log_in(client, "expert.mli").status_code == 302
        assert session_writes() == 0  # the log-in has just set the idle expiry
        traveller.shift(dt.timedelta(seconds=59))
        assert session_writes() == 0
        traveller.shift(dt.timedelta(seconds=1))
        assert session_writes() == 1  # a minute on: the expiry is pushed back
        assert session_writes() == 0


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_preferred_language_applies_at_login(
    client: Client, expert_mli: User, language: str
) -> None:
    User.objects.filter(pk=expert_mli.pk).update(language=language)
    response = _log_in(client, "expert.mli")
    assert response.cookies["django_language"].value == language
    page = client.get("/").content.decode()
    assert ("Bienvenue" in page) == (language == "fr")
    assert ("Welcome" in page) == (language == "en")
