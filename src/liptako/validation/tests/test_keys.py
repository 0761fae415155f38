"""The key ceremony: register, confirm (by the secretariat), rotate, revoke; all audited."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import PermissionDenied, ValidationError

from liptako.accounts.models import User
from liptako.audit.models import AuditEvent
from liptako.validation import services
from liptako.validation.models import KeyStatus, SigningKey
from liptako.validation.offline import fingerprint, fingerprint_words
from liptako.validation.tests.conftest import raw_public

WRAPPED = {
    "format": "liptako.wrapped-key/1",
    "salt": "AAAAAAAAAAAAAAAAAAAAAA==",
    "iterations": 600000,
    "iv": "AAAAAAAAAAAAAAAA",
    "ciphertext": "AAAA",
}


def test_register_confirm_and_rotate(validator_bfa: User, secretariat: User) -> None:
    raw = raw_public(Ed25519PrivateKey.generate())
    key = services.signing_key_register(
        actor=validator_bfa, public_key=raw, wrapped_private_key=WRAPPED
    )
    assert key.status == KeyStatus.PENDING
    assert key.fingerprint == fingerprint(raw)
    assert key.fingerprint_words == fingerprint_words(key.fingerprint)
    assert len(key.fingerprint_words.split()) == 12
    services.signing_key_confirm(key=key, actor=secretariat)
    key.refresh_from_db()
    assert key.status == KeyStatus.CONFIRMED
    assert key.confirmed_by == secretariat

    new = services.signing_key_register(
        actor=validator_bfa, public_key=raw_public(Ed25519PrivateKey.generate())
    )
    key.refresh_from_db()
    assert key.status == KeyStatus.CONFIRMED  # the old key works until the new one is confirmed
    services.signing_key_confirm(key=new, actor=secretariat)
    key.refresh_from_db()
    assert key.status == KeyStatus.REVOKED
    assert key.revocation_reason == "rotated"
    assert SigningKey.objects.filter(holder=validator_bfa).count() == 2  # history kept
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="signing_key.").values_list("verb", flat=True)
    )
    assert verbs.count("signing_key.register") == 2
    assert verbs.count("signing_key.confirm") == 2
    assert "signing_key.revoke" in verbs


def test_only_the_secretariat_confirms_and_not_their_own(
    validator_bfa: User, secretariat: User, expert_mli: User
) -> None:
    key = services.signing_key_register(
        actor=validator_bfa, public_key=raw_public(Ed25519PrivateKey.generate())
    )
    for user in (validator_bfa, expert_mli):
        with pytest.raises(PermissionDenied):
            services.signing_key_confirm(key=key, actor=user)
    key.refresh_from_db()
    assert key.status == KeyStatus.PENDING


def test_register_refuses_bad_keys_and_weak_wrapping(validator_bfa: User, expert_mli: User) -> None:
    with pytest.raises(ValidationError):
        services.signing_key_register(actor=validator_bfa, public_key=b"short")
    with pytest.raises(ValidationError):
        services.signing_key_register(
            actor=validator_bfa,
            public_key=raw_public(Ed25519PrivateKey.generate()),
            wrapped_private_key={**WRAPPED, "iterations": 1000},
        )
    with pytest.raises(PermissionDenied):
        services.signing_key_register(
            actor=expert_mli, public_key=raw_public(Ed25519PrivateKey.generate())
        )
    assert not SigningKey.objects.exists()


def test_someone_else_cannot_revoke_a_key(
    validator_bfa: User, expert_mli: User, secretariat: User
) -> None:
    key = services.signing_key_register(
        actor=validator_bfa, public_key=raw_public(Ed25519PrivateKey.generate())
    )
    with pytest.raises(PermissionDenied):
        services.signing_key_revoke(key=key, actor=expert_mli)
    services.signing_key_revoke(key=key, actor=secretariat, reason="compromise")
    key.refresh_from_db()
    assert key.status == KeyStatus.REVOKED
