"""Log-in lockout (django-axes) recorded and lifted in the audit log; password rules."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from liptako.accounts.models import User
from liptako.audit.models import AuditEvent
from liptako.testing import TEST_PASSWORD

LOGIN = "/comptes/connexion/"


def _log_in(client: Client, username: str, password: str = TEST_PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_the_documented_limit_is_five_failures(settings) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == 15 / 60


def test_the_lockout_is_recorded_once_when_it_starts(client: Client, expert_mli: User) -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _log_in(client, "expert.mli", "wrong password")
    assert not AuditEvent.objects.filter(verb="user.lockout").exists()
    _log_in(client, "expert.mli", "wrong password")
    event = AuditEvent.objects.get(verb="user.lockout")
    assert event.target_id == str(expert_mli.pk)
    assert event.payload == {
        "username": "expert.mli",
        "ip_address": "127.0.0.1",
        "failure_limit": 5,
    }
    # Later attempts while locked are refused (429), and recorded as refusals, not new lockouts.
    assert _log_in(client, "expert.mli").status_code == 429
    assert _log_in(client, "expert.mli", "again wrong").status_code == 429
    assert AuditEvent.objects.filter(verb="user.lockout").count() == 1


def test_the_unlock_command_lets_the_user_in_and_is_recorded(
    client: Client, expert_mli: User
) -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "expert.mli", "wrong password")
    assert _log_in(client, "expert.mli").status_code == 429
    call_command("unlock_account", "expert.mli")
    event = AuditEvent.objects.get(verb="user.unlock")
    assert event.actor_id is None
    assert event.target_id == str(expert_mli.pk)
    assert event.payload["username"] == "expert.mli"
    assert event.payload["attempts_removed"] >= 1
    assert _log_in(client, "expert.mli").status_code == 302


def test_unlocking_an_account_that_is_not_locked_says_so_and_records_nothing(
    expert_mli: User,
) -> None:
    with pytest.raises(CommandError, match="n\u2019est pas bloqué"):
        call_command("unlock_account", "expert.mli")
    assert not AuditEvent.objects.filter(verb="user.unlock").exists()


def test_passwords_are_hashed_with_argon2id(expert_mli: User) -> None:
    expert_mli.refresh_from_db()
    assert expert_mli.password.startswith("argon2$argon2id$")


def test_the_deployment_hashes_with_argon2id_at_full_cost() -> None:
    # The suite hashes at the lowest cost (liptako.testing.QuickArgon2PasswordHasher); the
    # settings module itself must keep Django's argon2id parameters (OWASP's minimums met).
    import importlib
    import os

    from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher

    deployment = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    first = deployment.PASSWORD_HASHERS[0]
    assert first == "django.contrib.auth.hashers.Argon2PasswordHasher"
    encoded = Argon2PasswordHasher().encode("a long enough passphrase", "somesaltsomesalt")
    assert encoded.startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$")
    # The quick hasher of the tests reads (and upgrades) what the deployment wrote.
    assert identify_hasher(encoded).verify("a long enough passphrase", encoded)


def test_a_long_passphrase_is_accepted_and_opens_the_account(
    client: Client, expert_mli: User
) -> None:
    passphrase = "le vent du sahel souffle sur ouagadougou, bamako et niamey en 2026 !" * 2
    assert len(passphrase) > 128
    validate_password(passphrase, expert_mli)
    client.force_login(expert_mli)
    response = client.post(
        "/comptes/mot-de-passe/",
        {"old_password": TEST_PASSWORD, "new_password1": passphrase, "new_password2": passphrase},
    )
    assert response.status_code == 302
    assert _log_in(Client(), "expert.mli", passphrase).status_code == 302


@pytest.mark.parametrize("common", ["password1234", "qwertyuiop123"])
def test_a_common_password_is_refused_in_french_and_changes_nothing(
    client: Client, expert_mli: User, common: str
) -> None:
    with pytest.raises(ValidationError):
        validate_password(common, expert_mli)
    client.force_login(expert_mli)
    before = User.objects.get(pk=expert_mli.pk).password
    response = client.post(
        "/comptes/mot-de-passe/",
        {"old_password": TEST_PASSWORD, "new_password1": common, "new_password2": common},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ce mot de passe est trop courant." in page
    assert User.objects.get(pk=expert_mli.pk).password == before
    assert not AuditEvent.objects.filter(verb="user.password_change").exists()
