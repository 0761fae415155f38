"""Sessions: a new id at log-in, every session ends at log-out, password change and
deactivation, and a session ends after its idle and its absolute time."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.conf import settings
from django.test import Client

from liptako.accounts.models import User
from liptako.accounts.services import user_deactivate
from liptako.audit.models import AuditEvent
from liptako.testing import TEST_PASSWORD

LOGIN = "/comptes/connexion/"
START = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


def _log_in(client: Client, username: str = "expert.mli", password: str = TEST_PASSWORD):
    response = client.post(LOGIN, {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def _is_logged_in(client: Client) -> bool:
    return client.get("/comptes/profil/").status_code == 200


def test_the_session_id_changes_at_login(client: Client, expert_mli: User) -> None:
    session = client.session
    session["before"] = "anonymous visit"
    session.save()
    anonymous_key = session.session_key
    _log_in(client)
    assert client.session.session_key != anonymous_key
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != anonymous_key


def test_logging_out_ends_every_session_of_the_user(expert_mli: User, observer: User) -> None:
    office, home, colleague = Client(), Client(REMOTE_ADDR="10.0.0.2"), Client()
    _log_in(office)
    _log_in(home)
    _log_in(colleague, "observer.mli")
    assert office.post("/comptes/deconnexion/").status_code == 302
    assert not _is_logged_in(office)
    assert not _is_logged_in(home)
    assert _is_logged_in(colleague)  # another user's sessions are not touched
    assert AuditEvent.objects.filter(verb="user.logout", actor=expert_mli).count() == 1


def test_a_password_change_keeps_this_session_and_ends_the_others(expert_mli: User) -> None:
    here, elsewhere = Client(), Client()
    _log_in(here)
    _log_in(elsewhere)
    new_password = "une phrase de passe assez longue pour 2026"
    response = here.post(
        "/comptes/mot-de-passe/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )
    assert response.status_code == 302
    assert _is_logged_in(here)
    assert not _is_logged_in(elsewhere)
    _log_in(Client(), password=new_password)


def test_deactivating_an_account_ends_its_sessions_and_is_recorded(
    expert_mli: User, secretariat: User
) -> None:
    one, two = Client(), Client()
    _log_in(one)
    _log_in(two)
    user_deactivate(actor=secretariat, user=expert_mli)
    assert not _is_logged_in(one)
    assert not _is_logged_in(two)
    event = AuditEvent.objects.get(verb="user.deactivate")
    assert event.actor_id == secretariat.pk
    assert event.target_id == str(expert_mli.pk)
    # Twice: nothing more happens.
    user_deactivate(actor=secretariat, user=expert_mli)
    assert AuditEvent.objects.filter(verb="user.deactivate").count() == 1
    response = Client().post(LOGIN, {"username": "expert.mli", "password": TEST_PASSWORD})
    assert response.status_code == 200


def test_ending_every_session_is_one_service(expert_mli: User) -> None:
    from liptako.accounts.services import user_sessions_end

    one = Client()
    _log_in(one)
    user_sessions_end(actor=None, user=expert_mli)
    assert not _is_logged_in(one)
    assert AuditEvent.objects.filter(verb="user.sessions_end").count() == 1


def test_a_session_ends_at_its_absolute_time_however_active(expert_mli: User, settings) -> None:
    assert settings.SESSION_ABSOLUTE_HOURS == 12
    early, late = Client(), Client()
    with time_machine.travel(START, tick=False) as traveller:
        _log_in(early)
        # Active every 20 minutes (well inside the idle time) for 11 h 40; a second browser
        # logs in 6 hours after the first and is as active.
        for step in range(1, 36):
            traveller.shift(dt.timedelta(minutes=20))
            if step == 18:
                _log_in(late)
            assert _is_logged_in(early)
            assert step < 18 or _is_logged_in(late)
        traveller.shift(dt.timedelta(minutes=20))  # 12 h after the first log-in
        response = early.get("/comptes/profil/")
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert not _is_logged_in(early)
        # Only that session ended: the later one goes on until its own 12 hours.
        assert _is_logged_in(late)


def test_the_absolute_time_is_a_setting(expert_mli: User, settings) -> None:
    settings.SESSION_ABSOLUTE_HOURS = 1
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        _log_in(client)
        for _step in range(2):
            traveller.shift(dt.timedelta(minutes=20))
            assert _is_logged_in(client)
        traveller.shift(dt.timedelta(minutes=19))
        assert _is_logged_in(client)
        traveller.shift(dt.timedelta(minutes=1))
        assert not _is_logged_in(client)
