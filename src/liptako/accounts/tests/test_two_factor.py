"""Two-factor authentication: enrolment, the two-step log-in, recovery codes, removal."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from liptako.accounts.models import Membership, Role, User
from liptako.alliance.models import MemberState
from liptako.audit.models import AuditEvent
from liptako.testing import TEST_PASSWORD, make_user, totp_code_now

LOGIN = "/comptes/connexion/"
CODE = "/comptes/connexion/code/"
ENROL = "/comptes/double-authentification/activer/"
RECOVERY = "/comptes/double-authentification/codes-de-secours/"
TWO_FACTOR = "/comptes/double-authentification/"
REMOVE = "/comptes/double-authentification/supprimer/"


def _password_step(client: Client, username: str, next_url: str = "/"):
    return client.post(LOGIN, {"username": username, "password": TEST_PASSWORD, "next": next_url})


def _code_for(key_hex: str, step_offset: int = 0) -> str:
    return totp_code_now(key_hex, step_offset=step_offset)


@pytest.fixture
def validator_without_device(aes) -> User:
    """A validator (role that requires a second factor) whose account has none yet."""
    user = make_user("validator.mli", clearance="C")
    Membership.objects.create(user=user, role=Role.VALIDATOR, member_state=aes.mali)
    assert not TOTPDevice.objects.filter(user=user).exists()
    return user


def _enrol_page_secret(client: Client) -> str:
    page = client.get(ENROL).content.decode()
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page)
    assert secret is not None
    import base64

    return base64.b32decode(secret.group(1).replace(" ", "")).hex()


def test_a_validator_without_device_is_sent_to_enrol_before_anything_else(
    client: Client, validator_without_device: User
) -> None:
    response = _password_step(client, "validator.mli", "/plans/")
    assert response.status_code == 302
    for path in ["/", "/plans/", "/comptes/jetons/", "/comptes/profil/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(ENROL), path
    # The browser session gives no access to the API either.
    assert client.get("/api/v1/me").status_code == 401
    page = client.get(ENROL).content.decode()
    assert "Activer la double authentification" in page
    assert "Votre rôle exige un second facteur" in page
    assert "<svg" in page  # the QR code, inline: nothing loaded from elsewhere
    assert 'class="secret"' in page


def test_enrolment_with_a_wrong_code_changes_nothing(
    client: Client, validator_without_device: User
) -> None:
    _password_step(client, "validator.mli")
    key_hex = _enrol_page_secret(client)
    wrong = f"{(int(_code_for(key_hex)) + 1) % 1_000_000:06d}"
    response = client.post(ENROL, {"code": wrong, "next": "/"})
    assert response.status_code == 200
    assert "Ce code ne correspond pas" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=validator_without_device).exists()
    assert not AuditEvent.objects.filter(verb="user.two_factor_enrol").exists()
    assert client.get("/").status_code == 302


def test_enrolment_confirms_the_app_shows_recovery_codes_once_and_opens_the_app(
    client: Client, validator_without_device: User
) -> None:
    _password_step(client, "validator.mli", "/comptes/profil/")
    key_hex = _enrol_page_secret(client)
    # The same secret while the enrolment is pending: a reload does not invalidate the scan.
    assert _enrol_page_secret(client) == key_hex
    session_before = client.session.session_key
    response = client.post(ENROL, {"code": _code_for(key_hex), "next": "/comptes/profil/"})
    assert response.status_code == 302
    assert response["Location"] == RECOVERY
    assert client.session.session_key != session_before
    device = TOTPDevice.objects.get(user=validator_without_device)
    assert device.confirmed
    assert device.key == key_hex

    page = client.get(RECOVERY).content.decode()
    codes = re.findall(r'<li><code class="secret">([a-z2-7]+)</code></li>', page)
    assert len(codes) == 10
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=validator_without_device).values_list(
            "token", flat=True
        )
    )
    assert "/comptes/profil/" in page  # "continue" goes where the user was going
    # Shown once.
    assert client.get(RECOVERY)["Location"] == TWO_FACTOR
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(verb="user.two_factor_enrol")
    assert event.actor_id == validator_without_device.pk
    assert event.payload == {"device": "totp", "recovery_codes": 10}


def test_login_is_two_steps_for_a_user_with_a_device(client: Client, validator_bfa: User) -> None:
    response = _password_step(client, "validator.bfa", "/comptes/profil/")
    assert response.status_code == 302
    response = client.get("/comptes/profil/")
    assert response["Location"].startswith(CODE)
    assert client.get("/api/v1/me").status_code == 401
    page = client.get(response["Location"]).content.decode()
    assert "Second facteur" in page
    assert 'autocomplete="one-time-code"' in page

    session_before = client.session.session_key
    response = client.post(CODE, {"code": totp_code_now(), "next": "/comptes/profil/"})
    assert response.status_code == 302
    assert response["Location"] == "/comptes/profil/"
    assert client.session.session_key != session_before  # privilege raised: new session id
    assert client.get("/comptes/profil/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert AuditEvent.objects.filter(
        verb="user.second_factor_verified", actor=validator_bfa
    ).exists()


def test_a_wrong_or_replayed_code_is_refused_in_french_and_recorded(
    client: Client, validator_bfa: User
) -> None:
    _password_step(client, "validator.bfa")
    response = client.post(CODE, {"code": "000000"})
    assert response.status_code == 200
    assert "Ce code n\u2019est pas valide" in response.content.decode()
    assert client.get("/")["Location"].startswith(CODE)
    assert AuditEvent.objects.filter(
        verb="user.second_factor_failed", target_id=str(validator_bfa.pk)
    ).exists()

    # Throttling (django-otp) slows repeated failures down; clear it to test the replay.
    TOTPDevice.objects.filter(user=validator_bfa).update(throttling_failure_count=0)
    code = totp_code_now()
    assert client.post(CODE, {"code": code})["Location"] == "/"
    other = Client()
    _password_step(other, "validator.bfa")
    response = other.post(CODE, {"code": code})
    assert response.status_code == 200  # the same code, seen already: refused
    assert other.get("/").status_code == 302


def test_a_recovery_code_opens_once_and_is_recorded(client: Client, validator_bfa: User) -> None:
    from liptako.accounts.services import recovery_codes_renew

    codes = recovery_codes_renew(actor=validator_bfa, user=validator_bfa)
    _password_step(client, "validator.bfa")
    response = client.post(CODE, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(verb="user.recovery_code_used")
    assert event.payload["recovery_codes_left"] == 9
    again = Client()
    _password_step(again, "validator.bfa")
    assert again.post(CODE, {"code": codes[0]}).status_code == 200
    assert again.get("/").status_code == 302


def test_the_device_cannot_be_replaced_before_its_code_is_given(
    client: Client, validator_bfa: User
) -> None:
    _password_step(client, "validator.bfa")
    response = client.get(ENROL)
    assert response["Location"].startswith(CODE)
    response = client.post(ENROL, {"code": "123456"})
    assert response["Location"].startswith(CODE)
    assert TOTPDevice.objects.filter(user=validator_bfa).count() == 1


def test_an_expert_logs_in_with_a_password_only_and_may_enrol_from_the_profile(
    client: Client, expert_mli: User
) -> None:
    _password_step(client, "expert.mli")
    assert client.get("/").status_code == 200
    page = client.get("/comptes/profil/").content.decode()
    assert TWO_FACTOR in page
    assert "Désactivée" in client.get(TWO_FACTOR).content.decode()
    key_hex = _enrol_page_secret(client)
    client.post(ENROL, {"code": _code_for(key_hex)})
    assert "2 codes de secours" not in client.get(TWO_FACTOR).content.decode()
    assert "10 codes de secours restants" in client.get(TWO_FACTOR).content.decode()

    # From now on their log-in asks for the code too.
    other = Client()
    _password_step(other, "expert.mli")
    assert other.get("/")["Location"].startswith(CODE)
    assert other.post(CODE, {"code": _code_for(key_hex, step_offset=1)}).status_code == 302
    assert other.get("/").status_code == 200


def test_removing_the_device_ends_other_sessions_and_a_validator_must_enrol_again(
    validator_bfa: User,
) -> None:
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        client.force_login(validator_bfa)
        assert client.get("/").status_code == 200
    assert here.post(REMOVE)["Location"] == ENROL
    assert not TOTPDevice.objects.filter(user=validator_bfa).exists()
    assert AuditEvent.objects.filter(verb="user.two_factor_remove", actor=validator_bfa).exists()
    assert here.get("/")["Location"].startswith(ENROL)
    assert elsewhere.get("/")["Location"].startswith(LOGIN)


def test_an_expert_removes_the_device_and_keeps_working(client: Client, expert_mli: User) -> None:
    TOTPDevice.objects.create(user=expert_mli, name="app", confirmed=True)
    client.force_login(expert_mli)
    assert client.post(REMOVE)["Location"] == TWO_FACTOR
    assert client.get("/").status_code == 200


def test_the_reset_command_removes_a_lost_phone(validator_bfa: User) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    client = Client()
    client.force_login(validator_bfa)
    call_command("reset_two_factor", "validator.bfa")
    assert not TOTPDevice.objects.filter(user=validator_bfa).exists()
    event = AuditEvent.objects.get(verb="user.two_factor_remove")
    assert event.actor_id is None
    assert client.get("/")["Location"].startswith(LOGIN)
    with pytest.raises(CommandError):
        call_command("reset_two_factor", "validator.bfa")


def test_api_tokens_work_without_a_session_for_a_user_with_two_factor(
    client: Client, validator_bfa: User
) -> None:
    from liptako.testing import api_headers

    headers = api_headers(validator_bfa)
    response = Client().get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    # Even beside a session that has not given its second factor yet.
    _password_step(client, "validator.bfa")
    assert client.get("/api/v1/me", headers=headers).status_code == 200


@pytest.mark.parametrize("role", sorted(["secretariat", "validator", "authority", "admin"]))
def test_every_role_that_requires_a_second_factor_is_sent_to_enrol(
    client: Client, aes, role: str
) -> None:
    user = make_user(f"new.{role}", clearance="C")
    member_state: MemberState | None = None if role in {"secretariat", "admin"} else aes.niger
    Membership.objects.create(user=user, role=role, member_state=member_state)
    _password_step(client, user.username)
    assert client.get("/")["Location"].startswith(ENROL)


def test_the_enrolment_code_cannot_log_in_again(client: Client, expert_mli: User) -> None:
    client.force_login(expert_mli)
    key_hex = _enrol_page_secret(client)
    code = _code_for(key_hex)
    client.post(ENROL, {"code": code})
    device = TOTPDevice.objects.get(user=expert_mli)
    assert device.last_t == TOTP(bytes.fromhex(key_hex)).t()
    other = Client()
    _password_step(other, "expert.mli")
    assert other.post(CODE, {"code": code}).status_code == 200


def test_the_code_page_never_sends_to_another_site(client: Client, validator_bfa: User) -> None:
    _password_step(client, "validator.bfa")
    response = client.post(CODE, {"code": totp_code_now(), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
