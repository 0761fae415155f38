"""Passkeys as a second factor: registration, the log-in assertion, removal, the deploy check.

The WebAuthn ceremonies run against ``SoftPasskey`` (a software authenticator signing what
the server sends, as a browser would); the browser itself is in e2e/test_passkeys.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from liptako.accounts.checks import check_passkey_relying_party
from liptako.accounts.models import Membership, Role, User
from liptako.audit.models import AuditEvent
from liptako.testing import TEST_PASSWORD, SoftPasskey, make_user

LOGIN = "/comptes/connexion/"
CODE = "/comptes/connexion/code/"
ENROL = "/comptes/double-authentification/activer/"
TWO_FACTOR = "/comptes/double-authentification/"
REMOVE_TOTP = "/comptes/double-authentification/supprimer/"
REGISTER_BEGIN = "/comptes/double-authentification/cles/enregistrement/debut/"
REGISTER_COMPLETE = "/comptes/double-authentification/cles/enregistrement/fin/"
LOGIN_BEGIN = "/comptes/connexion/cle/debut/"
LOGIN_COMPLETE = "/comptes/connexion/cle/fin/"


def _remove_url(passkey: WebAuthnCredential) -> str:
    return f"/comptes/double-authentification/cles/{passkey.pk}/supprimer/"


@pytest.fixture
def browser() -> Client:
    """A test client on http://localhost: the relying party of development and tests."""
    return Client(HTTP_HOST="localhost")


def _post_json(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def _password_step(client: Client, username: str, next_url: str = "/") -> None:
    response = client.post(
        LOGIN, {"username": username, "password": TEST_PASSWORD, "next": next_url}
    )
    assert response.status_code == 302


@pytest.fixture
def validator_with_passkey_only(aes) -> tuple[User, SoftPasskey]:
    """A validator (a second factor is required) whose only second factor is a passkey."""
    user = make_user("validator.mli", clearance="C")
    Membership.objects.create(user=user, role=Role.VALIDATOR, member_state=aes.mali)
    TOTPDevice.objects.filter(user=user).delete()
    authenticator = SoftPasskey()
    authenticator.install(user, name="Ordinateur du bureau")
    return user, authenticator


def _verified_events(user: User) -> int:
    return AuditEvent.objects.filter(
        verb="user.second_factor_verified", target_id=str(user.pk)
    ).count()


# --- Registration ----------------------------------------------------------------------------


def test_registration_needs_a_logged_in_user_whose_session_owes_nothing(
    browser: Client, validator_bfa: User
) -> None:
    # Anonymous: the log-in page, no challenge handed out.
    response = _post_json(browser, REGISTER_BEGIN)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "otp_webauthn_register_state" not in browser.session
    # Password given, code not yet: the code page first (a stolen password cannot add a key).
    _password_step(browser, "validator.bfa")
    response = _post_json(browser, REGISTER_BEGIN)
    assert response.status_code == 302
    assert response["Location"].startswith(CODE)
    assert "otp_webauthn_register_state" not in browser.session


def test_a_verified_user_registers_a_named_passkey_and_it_is_audited(
    browser: Client, validator_bfa: User
) -> None:
    browser.force_login(validator_bfa)
    options = _post_json(browser, REGISTER_BEGIN).json()
    assert options["rp"] == {"name": "Liptako", "id": "localhost"}
    authenticator = SoftPasskey()
    response = _post_json(
        browser,
        REGISTER_COMPLETE,
        {"name": "Clé du bureau", "credential": authenticator.registration(options)},
    )
    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == TWO_FACTOR
    passkey = WebAuthnCredential.objects.get(user=validator_bfa)
    assert passkey.name == "Clé du bureau"
    event = AuditEvent.objects.get(verb="user.passkey_add")
    assert event.actor_id == validator_bfa.pk
    assert event.payload == {"name": "Clé du bureau"}
    page = browser.get(TWO_FACTOR).content.decode()
    assert "Clé du bureau" in page
    assert "Clés d\u2019accès" in page


def test_a_garbled_registration_is_refused_in_french_and_keeps_nothing(
    browser: Client, validator_bfa: User
) -> None:
    browser.force_login(validator_bfa)
    options = _post_json(browser, REGISTER_BEGIN).json()
    credential = SoftPasskey().registration(options, origin="https://evil.example.org")
    response = _post_json(browser, REGISTER_COMPLETE, {"name": "Clé", "credential": credential})
    assert response.status_code == 403
    assert "n\u2019a pas pu être enregistrée" in response.json()["detail"]
    # The challenge was used up: the same answer again finds no registration under way.
    response = _post_json(
        browser,
        REGISTER_COMPLETE,
        {"name": "Clé", "credential": SoftPasskey().registration(options)},
    )
    assert response.status_code == 400
    assert "a expiré" in response.json()["detail"]
    # Not JSON at all, and no name.
    _post_json(browser, REGISTER_BEGIN)
    response = browser.post(REGISTER_COMPLETE, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "pas été comprise" in response.json()["detail"]
    response = _post_json(browser, REGISTER_COMPLETE, {"name": " ", "credential": credential})
    assert response.status_code == 400
    assert "nom" in response.json()["detail"]
    assert not WebAuthnCredential.objects.exists()
    assert not AuditEvent.objects.filter(verb="user.passkey_add").exists()


# --- The log-in assertion ------------------------------------------------------------------


def test_a_user_with_only_a_passkey_is_asked_for_it_not_sent_to_enrolment(
    browser: Client, validator_with_passkey_only: tuple[User, SoftPasskey]
) -> None:
    _password_step(browser, "validator.mli", "/plans/")
    response = browser.get("/plans/")
    assert response["Location"].startswith(CODE)
    page = browser.get(response["Location"]).content.decode()
    assert "Utiliser une clé d\u2019accès" in page
    assert 'name="code"' not in page  # no app: no code field to type into
    assert "accounts/passkeys.js" in page
    assert "<script>" not in page  # no inline script (strict CSP)


def test_assertion_begins_only_in_the_half_logged_in_state(
    browser: Client, validator_with_passkey_only: tuple[User, SoftPasskey]
) -> None:
    _user, authenticator = validator_with_passkey_only
    # Anonymous: the log-in page (never a password-less log-in).
    response = _post_json(browser, LOGIN_BEGIN)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    # After the password: the options name this user's passkey only.
    _password_step(browser, "validator.mli")
    options = _post_json(browser, LOGIN_BEGIN).json()
    assert [item["id"] for item in options["allowCredentials"]] == [
        authenticator.assertion(options)["id"]
    ]
    assert options["rpId"] == "localhost"
    # A verified session has nothing to prove: refused, in French.
    other = Client(HTTP_HOST="localhost")
    other.force_login(make_user("expert.x", clearance="C"))
    response = _post_json(other, LOGIN_BEGIN)
    assert response.status_code == 403
    assert "ne peut pas utiliser de clé d\u2019accès" in response.json()["detail"]


def test_a_passkey_verifies_the_session_like_the_code(
    browser: Client, validator_with_passkey_only: tuple[User, SoftPasskey]
) -> None:
    user, authenticator = validator_with_passkey_only
    _password_step(browser, "validator.mli", "/plans/")
    session_before = browser.session.session_key
    options = _post_json(browser, LOGIN_BEGIN).json()
    response = _post_json(
        browser, f"{LOGIN_COMPLETE}?next=/plans/", authenticator.assertion(options)
    )
    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == "/plans/"
    assert browser.session.session_key != session_before  # a new session id, as for a code
    assert browser.get("/plans/").status_code == 200
    assert browser.get("/api/v1/me").status_code == 200
    event = AuditEvent.objects.get(verb="user.second_factor_verified")
    assert event.payload["device"] == "passkey"
    assert event.actor_id == user.pk
    assert WebAuthnCredential.objects.get(user=user).sign_count == 1
    # The same assertion again: the challenge is spent (no replay).
    _post_json(browser, LOGIN_BEGIN)  # a verified session gets no new challenge
    response = _post_json(browser, LOGIN_COMPLETE, authenticator.assertion(options))
    assert response.status_code == 403


def test_a_forged_assertion_is_refused_in_french_and_changes_nothing(
    browser: Client, validator_with_passkey_only: tuple[User, SoftPasskey]
) -> None:
    user, authenticator = validator_with_passkey_only
    _password_step(browser, "validator.mli")
    forger = SoftPasskey()
    forger.credential_id = authenticator.credential_id  # the right id, the wrong private key
    for forged in (
        lambda options: forger.assertion(options),
        lambda options: authenticator.assertion({"challenge": "AAAA"}),  # another challenge
        lambda options: authenticator.assertion(options, origin="https://evil.example.org"),
        lambda options: {"id": "x", "rawId": "%%%", "response": "garbled"},
    ):
        options = _post_json(browser, LOGIN_BEGIN).json()
        response = _post_json(browser, LOGIN_COMPLETE, forged(options))
        assert response.status_code == 403, response.content
        assert "La clé d\u2019accès n\u2019a pas été acceptée" in response.json()["detail"]
        assert browser.get("/")["Location"].startswith(CODE)
    assert _verified_events(user) == 0
    failures = AuditEvent.objects.filter(verb="user.second_factor_failed", target_id=str(user.pk))
    assert failures.count() == 4
    assert all(event.payload["device"] == "passkey" for event in failures)
    assert WebAuthnCredential.objects.get(user=user).sign_count == 0
    # A complete without a begin is not an attempt at all.
    response = _post_json(browser, LOGIN_COMPLETE, authenticator.assertion({"challenge": "AAAA"}))
    assert response.status_code == 400
    assert failures.count() == 4


def test_another_users_passkey_cannot_verify_this_session(
    browser: Client, validator_with_passkey_only: tuple[User, SoftPasskey], aes
) -> None:
    _user, _authenticator = validator_with_passkey_only
    intruder = make_user("validator.ner", clearance="C")
    Membership.objects.create(user=intruder, role=Role.VALIDATOR, member_state=aes.niger)
    intruder_key = SoftPasskey()
    intruder_key.install(intruder)
    _password_step(browser, "validator.mli")
    options = _post_json(browser, LOGIN_BEGIN).json()
    response = _post_json(browser, LOGIN_COMPLETE, intruder_key.assertion(options))
    assert response.status_code == 403
    assert browser.get("/")["Location"].startswith(CODE)


# --- Removal ---------------------------------------------------------------------------------


def test_removing_a_passkey_ends_the_other_sessions_and_is_audited(
    validator_bfa: User,
) -> None:
    passkey = SoftPasskey().install(validator_bfa, name="Téléphone")
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        client.force_login(validator_bfa)
        assert client.get("/").status_code == 200
    response = here.post(_remove_url(passkey), follow=True)
    assert "La clé d\u2019accès « Téléphone » est supprimée." in response.content.decode()
    assert not WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    event = AuditEvent.objects.get(verb="user.passkey_remove")
    assert event.payload == {"name": "Téléphone"}
    assert here.get("/").status_code == 200
    assert elsewhere.get("/")["Location"].startswith(LOGIN)


def test_the_last_second_factor_of_a_required_role_cannot_be_removed(
    validator_with_passkey_only: tuple[User, SoftPasskey],
) -> None:
    user, _authenticator = validator_with_passkey_only
    passkey = WebAuthnCredential.objects.get(user=user)
    client = Client()
    client.force_login(user)
    TOTPDevice.objects.filter(user=user).delete()  # force_login's test device: gone again
    epoch = User.objects.get(pk=user.pk).session_epoch
    response = client.post(_remove_url(passkey), follow=True)
    assert "votre dernier second facteur" in response.content.decode()
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    assert User.objects.get(pk=user.pk).session_epoch == epoch
    assert not AuditEvent.objects.filter(verb="user.passkey_remove").exists()


def test_someone_elses_passkey_answers_like_a_missing_one(
    expert_mli: User, validator_bfa: User
) -> None:
    passkey = SoftPasskey().install(validator_bfa)
    client = Client()
    client.force_login(expert_mli)
    assert client.post(_remove_url(passkey)).status_code == 404
    assert client.post("/comptes/double-authentification/cles/987654/supprimer/").status_code == 404
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    assert "Clé de test" not in client.get(TWO_FACTOR).content.decode()


def test_removing_the_app_keeps_a_validator_with_a_passkey_at_work(
    validator_bfa: User,
) -> None:
    SoftPasskey().install(validator_bfa)
    client = Client()
    client.force_login(validator_bfa)
    assert client.post(REMOVE_TOTP)["Location"] == TWO_FACTOR
    assert not TOTPDevice.objects.filter(user=validator_bfa).exists()
    page = client.get(TWO_FACTOR).content.decode()
    assert "vos cl\u00e9s d\u2019acc\u00e8s restent" in page
    assert client.get("/").status_code == 200
    # Next log-in: the passkey is asked for, not a new app.
    other = Client()
    _password_step(other, "validator.bfa")
    assert other.get("/")["Location"].startswith(CODE)


def test_the_reset_command_removes_the_passkeys_too(validator_bfa: User) -> None:
    SoftPasskey().install(validator_bfa)
    call_command("reset_two_factor", "validator.bfa")
    assert not WebAuthnCredential.objects.filter(user=validator_bfa).exists()
    assert AuditEvent.objects.get(verb="user.two_factor_remove").payload == {"passkeys": 1}


# --- Relying party ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "rp_id", "origins", "problem"),
    [
        ("https://liptako.example.org", "liptako.example.org", ["https://liptako.example.org"], ""),
        (
            "https://aes.liptako.example.org",
            "liptako.example.org",
            ["https://aes.liptako.example.org"],
            "",
        ),
        ("https://10.0.0.5", "localhost", ["http://localhost:8000"], "IP address"),
        (
            "http://liptako.example.org",
            "liptako.example.org",
            ["http://liptako.example.org"],
            "not https",
        ),
        (
            "https://liptako.example.org",
            "other.example.org",
            ["https://liptako.example.org"],
            "OTP_WEBAUTHN_RP_ID",
        ),
        (
            "https://liptako.example.org",
            "liptako.example.org",
            ["https://other.example.org"],
            "ALLOWED_ORIGINS",
        ),
    ],
)
def test_the_deploy_check_refuses_a_relying_party_browsers_would_refuse(
    settings: Any, base_url: str, rp_id: str, origins: list[str], problem: str
) -> None:
    settings.LIPTAKO_BASE_URL = base_url
    settings.OTP_WEBAUTHN_RP_ID = rp_id
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = origins
    errors = check_passkey_relying_party()
    if not problem:
        assert errors == []
    else:
        (error,) = errors
        assert error.id == "liptako.E010"
        assert problem in error.msg


def test_production_settings_derive_the_relying_party_from_the_address(tmp_path: Any) -> None:
    import secrets

    from liptako.core.tests.test_settings import PRODUCTION, liptako

    show = (
        "from django.conf import settings; "
        "print(settings.OTP_WEBAUTHN_RP_ID, settings.OTP_WEBAUTHN_RP_NAME, "
        "settings.OTP_WEBAUTHN_ALLOWED_ORIGINS)"
    )
    result = liptako(
        "shell",
        "--no-imports",
        "-c",
        show,
        home=tmp_path,
        SECRET_KEY=secrets.token_urlsafe(64),
        **PRODUCTION,
    )
    assert result.stdout.strip() == "liptako.example.org Liptako ['https://liptako.example.org']", (
        result.stderr
    )
    result = liptako("shell", "--no-imports", "-c", show, home=tmp_path, DEBUG="1")
    assert result.stdout.strip() == "localhost Liptako ['http://localhost:8000']", result.stderr
