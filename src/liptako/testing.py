"""Test fixtures shared by every app: the alliance, the marking scale and the personas.

Loaded as a pytest plugin by the root ``conftest.py``. Personas (STYLE.md §18): secretariat,
expert_mli, validator_bfa, focal_point_ner, observer (Mali, NP clearance only), outsider (an
account with no membership) and admin (technical administrator, sees no content).

Second factor (test-only, docs/security/authentication.md): ``make_user`` gives the roles that
require one a confirmed TOTP device with the RFC 6238 test secret (``TEST_TOTP_KEY``), and
``client.force_login`` / ``client.login`` give a session whose second factor is already given,
so the pages of every app are tested as a fully logged-in user sees them. Tests of the second
factor itself log in through the log-in page (``client.post``), which these shortcuts bypass.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import django_otp
import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import override_settings
from django.test.client import ClientMixin
from django.utils import translation
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from liptako.accounts import sessions
from liptako.accounts.models import SECOND_FACTOR_ROLES, Membership, Role, User
from liptako.alliance.models import Alliance, MemberState
from liptako.core.models import MarkingLevel

TEST_PASSWORD = "correct horse battery staple"  # noqa: S105 (tests only)
# RFC 6238's test secret ("12345678901234567890"), hex as django-otp stores it.
TEST_TOTP_KEY = "3132333435363738393031323334353637383930"


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at its lowest cost, for tests only.

    Every persona hashes a password and most log-ins check one: at the deployment's cost
    (100 MB of memory and a tenth of a second each) that was a large share of the suite's time.
    The algorithm and the stored format are the deployment's (``argon2$argon2id$…``); only the
    cost differs. ``test_the_deployment_hashes_with_argon2id_at_full_cost`` checks the settings
    themselves, and the browser and long tests run servers with the real settings.
    """

    time_cost = 1
    memory_cost = 64
    parallelism = 1


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashing() -> Iterator[None]:
    hashers = ["liptako.testing.QuickArgon2PasswordHasher", *settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


def give_second_factor(user: User) -> TOTPDevice:
    """A confirmed TOTP device for ``user`` (the test secret), created if missing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="tests", key=TEST_TOTP_KEY, confirmed=True
        )
    return device


def totp_code_now(key_hex: str = TEST_TOTP_KEY, *, step_offset: int = 0) -> str:
    """The code an authenticator app shows now for ``key_hex`` (``step_offset`` steps later)."""
    from django_otp.oath import TOTP

    totp = TOTP(bytes.fromhex(key_hex))
    totp.time = totp.time + 30 * step_offset
    return f"{totp.token():06d}"


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftPasskey:
    """A software authenticator (ECDSA P-256), enough to run the WebAuthn assertion without a
    browser: ``install`` stores its public key as the user's passkey (what a registration
    leaves), ``assertion`` signs the options the server sent, as a browser would."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(16)
        self.sign_count = 0

    def cose_public_key(self) -> bytes:
        import cbor2

        numbers = self.private_key.public_key().public_numbers()
        return bytes(
            cbor2.dumps(
                {
                    1: 2,
                    3: -7,
                    -1: 1,
                    -2: numbers.x.to_bytes(32, "big"),
                    -3: numbers.y.to_bytes(32, "big"),
                }
            )
        )

    def install(self, user: User, name: str = "Clé de test") -> WebAuthnCredential:
        return WebAuthnCredential.objects.create(
            user=user,
            name=name,
            confirmed=True,
            credential_id=self.credential_id,
            public_key=self.cose_public_key(),
            aaguid="00000000-0000-0000-0000-000000000000",
        )

    def registration(
        self, options: dict[str, Any], *, origin: str = "http://localhost", rp_id: str = "localhost"
    ) -> dict[str, Any]:
        """The browser's answer to ``navigator.credentials.create`` (attestation "none")."""
        import cbor2

        client_data = json.dumps(
            {
                "type": "webauthn.create",
                "challenge": options["challenge"],
                "origin": origin,
                "crossOrigin": False,
            }
        ).encode()
        flags = bytes([0x01 | 0x04 | 0x40])  # user present, user verified, credential data
        authenticator_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + flags
            + self.sign_count.to_bytes(4, "big")
            + bytes(16)  # AAGUID: none
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self.cose_public_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": authenticator_data})
        return {
            "id": _base64url(self.credential_id),
            "rawId": _base64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": _base64url(client_data),
                "attestationObject": _base64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        }

    def assertion(
        self,
        options: dict[str, object],
        *,
        origin: str = "http://localhost",
        rp_id: str = "localhost",
    ) -> dict[str, object]:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        client_data = json.dumps(
            {
                "type": "webauthn.get",
                "challenge": options["challenge"],
                "origin": origin,
                "crossOrigin": False,
            }
        ).encode()
        self.sign_count += 1
        flags = bytes([0x01])  # user present
        authenticator_data = (
            hashlib.sha256(rp_id.encode()).digest() + flags + self.sign_count.to_bytes(4, "big")
        )
        signature = self.private_key.sign(
            authenticator_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": _base64url(self.credential_id),
            "rawId": _base64url(self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": _base64url(authenticator_data),
                "clientDataJSON": _base64url(client_data),
                "signature": _base64url(signature),
            },
            "clientExtensionResults": {},
        }


_original_login = ClientMixin._login  # type: ignore[attr-defined]


def _login_with_second_factor(self: ClientMixin, user: User, backend: str | None = None) -> None:
    """``Client._login`` (force_login, login), then the second factor marked as given."""
    _original_login(self, user, backend)
    second_factor_given_to_client(self, user)


def second_factor_given_to_client(client: ClientMixin, user: User) -> None:
    """Mark the test client's session (after ``force_login``) as having given its second
    factor, with a test device for a user whose role requires one. Used by the fixture below
    and by the benchmark script (bench/run.py), which runs outside pytest."""
    needs_factor = user.requires_second_factor
    device: Device | None = (
        give_second_factor(user)
        if needs_factor
        else TOTPDevice.objects.filter(user=user, confirmed=True).first()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).first()
    )
    if device is None:
        return
    session = client.session
    session[django_otp.DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.pop(sessions.SECOND_FACTOR_KEY, None)
    session.save()


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ClientMixin, "_login", _login_with_second_factor)


@dataclass
class AllianceFixture:
    alliance: Alliance
    mali: MemberState
    burkina: MemberState
    niger: MemberState

    @property
    def states(self) -> list[MemberState]:
        return [self.mali, self.burkina, self.niger]


def ensure_default_marking_scale() -> None:
    """Put back the default scale of the data migration if a flush removed it.

    Transactional tests (``transactional_db``) end with a flush that empties every table,
    data-migration rows included; pytest-django runs some database tests after them (those that
    request ``db`` only through ``request.getfixturevalue``).
    """
    if MarkingLevel.objects.exists():
        return
    migration = importlib.import_module("liptako.core.migrations.0002_default_marking_scale")
    for code, label, label_en, rank, colour, is_public in migration.DEFAULT_SCALE:
        MarkingLevel.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "label_en": label_en,
                "rank": rank,
                "colour": colour,
                "is_public": is_public,
            },
        )


@pytest.fixture(autouse=True)
def _default_language_between_tests() -> Iterator[None]:
    """Each test starts in the default language (French), whatever the previous one activated.

    A request through LocaleMiddleware leaves its language active in the thread, so a test that
    switches to English would otherwise change the language of the next test's messages.
    """
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def markings(db: None) -> dict[str, MarkingLevel]:
    ensure_default_marking_scale()
    return {level.code: level for level in MarkingLevel.objects.all()}


@pytest.fixture
def aes(db: None) -> AllianceFixture:
    alliance = Alliance.objects.create(name="Alliance des États du Sahel", acronym="AES")
    return AllianceFixture(
        alliance=alliance,
        mali=MemberState.objects.create(alliance=alliance, code="MLI", name="Mali"),
        burkina=MemberState.objects.create(
            alliance=alliance, code="BFA", name="Burkina Faso", timezone="Africa/Ouagadougou"
        ),
        niger=MemberState.objects.create(
            alliance=alliance, code="NER", name="Niger", timezone="Africa/Niamey"
        ),
    )


def make_user(
    username: str,
    *,
    role: str | None = None,
    member_state: MemberState | None = None,
    clearance: str = "DR",
) -> User:
    ensure_default_marking_scale()
    user = User.objects.create_user(
        username=username,
        password=TEST_PASSWORD,
        email=f"{username}@example.org",
        clearance=MarkingLevel.objects.get(code=clearance),
    )
    if role is not None:
        Membership.objects.create(user=user, role=role, member_state=member_state)
        if role in SECOND_FACTOR_ROLES:
            give_second_factor(user)
    return user


@pytest.fixture
def secretariat(aes: AllianceFixture) -> User:
    return make_user("secretariat", role=Role.SECRETARIAT, clearance="C")


@pytest.fixture
def expert_mli(aes: AllianceFixture) -> User:
    return make_user("expert.mli", role=Role.EXPERT, member_state=aes.mali)


@pytest.fixture
def validator_bfa(aes: AllianceFixture) -> User:
    return make_user("validator.bfa", role=Role.VALIDATOR, member_state=aes.burkina, clearance="C")


@pytest.fixture
def focal_point_ner(aes: AllianceFixture) -> User:
    return make_user("focal.ner", role=Role.FOCAL_POINT, member_state=aes.niger)


@pytest.fixture
def observer(aes: AllianceFixture) -> User:
    return make_user("observer.mli", role=Role.OBSERVER, member_state=aes.mali, clearance="NP")


@pytest.fixture
def outsider(aes: AllianceFixture) -> User:
    return make_user("outsider", clearance="C")


@pytest.fixture
def admin_user(aes: AllianceFixture) -> User:
    return make_user("admin", role=Role.ADMIN, clearance="C")


def api_headers(user: User, *, name: str = "tests") -> dict[str, str]:
    """Headers that authenticate an API call as ``user``, with a new personal token.

    ``client.get("/api/v1/me", headers=api_headers(expert))``; ``client.force_login(user)``
    works too (the API also accepts the browser session).
    """
    from liptako.accounts.services import api_token_create

    created = api_token_create(actor=user, user=user, name=name)
    return {"Authorization": f"Bearer {created.clear_token}"}
