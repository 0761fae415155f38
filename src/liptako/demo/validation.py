"""The demo's validation: the three chiefs of general staff validate version 1 of the plan
on 6 November 2024, and the secretariat submits it to the heads of state.

Each chief gets an Ed25519 key pair generated at load time. The private key is written
ENCRYPTED (PKCS#8 PEM) to ``LIPTAKO_HOME/demo-keys/<username>.pem`` and, wrapped the way
signing.js wraps it, kept by the server for signing in the browser; its passphrase is
written to ``LIPTAKO_HOME/demo-key-passphrases.txt`` next to the accounts file (owner-only).
The secretariat confirms the keys on 5 November 2024 (the eve of the meeting).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import transaction

from liptako.accounts.models import User
from liptako.demo.context import DemoContext
from liptako.plans.models import Plan, PlanVersion
from liptako.validation import services
from liptako.validation.models import (
    Decision,
    DecisionKind,
    IssuedStatement,
    QuorumRule,
    Reminder,
    SigningKey,
    VersionState,
)
from liptako.validation.offline import generate_private_key_pem, load_private_key

PASSPHRASES_FILE_NAME = "demo-key-passphrases.txt"
KEYS_DIRECTORY_NAME = "demo-keys"
CHIEFS = ("MLI", "BFA", "NER")
KEYS_CONFIRMED = dt.datetime(2024, 11, 5, 18, 0, tzinfo=dt.UTC)
SENT_TO_VALIDATION = dt.datetime(2024, 11, 6, 9, 0, tzinfo=dt.UTC)
SIGNED = {
    "MLI": dt.datetime(2024, 11, 6, 12, 10, tzinfo=dt.UTC),
    "BFA": dt.datetime(2024, 11, 6, 12, 15, tzinfo=dt.UTC),
    "NER": dt.datetime(2024, 11, 6, 12, 20, tzinfo=dt.UTC),
}
SUBMITTED = dt.datetime(2024, 11, 6, 16, 0, tzinfo=dt.UTC)
PBKDF2_ITERATIONS = 600_000


def keys_directory() -> Path:
    return Path(settings.LIPTAKO_HOME) / KEYS_DIRECTORY_NAME


def passphrases_file_path() -> Path:
    return Path(settings.LIPTAKO_HOME) / PASSPHRASES_FILE_NAME


def wrap_for_browser(pkcs8_der: bytes, passphrase: str) -> dict[str, Any]:
    """The private key wrapped exactly as signing.js wraps it (PBKDF2-SHA-256 → AES-GCM)."""
    salt, iv = secrets.token_bytes(16), secrets.token_bytes(12)
    key = hashlib.pbkdf2_hmac("sha256", passphrase.encode("utf-8"), salt, PBKDF2_ITERATIONS, 32)
    ciphertext = AESGCM(key).encrypt(iv, pkcs8_der, None)

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return {
        "format": "liptako.wrapped-key/1",
        "salt": b64(salt),
        "iterations": PBKDF2_ITERATIONS,
        "iv": b64(iv),
        "ciphertext": b64(ciphertext),
    }


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)


def load(context: DemoContext) -> None:
    plan = Plan.objects.filter(alliance=context.alliance).order_by("pk").first()
    version = PlanVersion.objects.filter(plan=plan, number=1).first()
    if plan is None or version is None:
        return  # no demo plan was loaded: nothing to validate
    secretariat = User.objects.get(username="secretariat")
    signers: dict[str, tuple[User, bytes, str]] = {}
    files: dict[Path, bytes] = {}
    for code in CHIEFS:
        user = User.objects.get(username=f"validateur.{code.lower()}")
        passphrase = secrets.token_urlsafe(18)
        pem, raw = generate_private_key_pem(passphrase.encode("utf-8"))
        pkcs8 = load_private_key(pem, passphrase.encode("utf-8")).private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        key = services.signing_key_register(
            actor=user, public_key=raw, wrapped_private_key=wrap_for_browser(pkcs8, passphrase)
        )
        services.signing_key_confirm(key=key, actor=secretariat, at=KEYS_CONFIRMED)
        signers[code] = (user, pem, passphrase)
        files[keys_directory() / f"{user.username}.pem"] = pem
    state = services.validation_open(
        plan=plan, actor=secretariat, version=version, at=SENT_TO_VALIDATION
    )
    for code in CHIEFS:
        user, pem, passphrase = signers[code]
        statement = services.statement_issue(
            version=state.version,
            actor=user,
            kind=DecisionKind.APPROVE,
            member_state=context.member_states[code],
            at=SIGNED[code] - dt.timedelta(minutes=5),
        )
        # The chief signs with their own key (here, the demo holds it for them).
        signature = load_private_key(pem, passphrase.encode("utf-8")).sign(statement.data)
        services.decision_sign(
            statement=statement, actor=user, signature=signature, at=SIGNED[code]
        )
    services.version_submit(version=state.version, actor=secretariat, at=SUBMITTED)
    lines = "".join(
        f"{user.username}\t{passphrase}\n" for user, _pem, passphrase in signers.values()
    )
    header = (
        "# Demo signing keys: username, passphrase. Private keys (encrypted) in "
        f"{KEYS_DIRECTORY_NAME}/<username>.pem\n"
    )
    files[passphrases_file_path()] = (header + lines).encode("utf-8")

    def write() -> None:
        for path, data in files.items():
            _write_private(path, data)

    transaction.on_commit(write)


def delete() -> dict[str, int]:
    return {
        "reminder": Reminder.objects.all().delete()[0],
        "decision": Decision.objects.all().delete()[0],
        "issued_statement": IssuedStatement.objects.all().delete()[0],
        "version_state": VersionState.objects.all().delete()[0],
        "signing_key": SigningKey.objects.all().delete()[0],
        "quorum_rule": QuorumRule.objects.all().delete()[0],
    }
