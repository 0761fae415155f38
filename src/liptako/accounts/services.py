"""Writes on accounts: every change goes through here, with its audit event."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone as django_timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions
from webauthn.helpers.exceptions import WebAuthnException

from liptako.accounts.models import ALLIANCE_WIDE_ROLES, ApiToken, Membership, User
from liptako.audit.services import audit_record
from liptako.core.models import MarkingLevel

if TYPE_CHECKING:
    from django_otp_webauthn.helpers import WebAuthnHelper

    from liptako.alliance.models import MemberState


def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    clearance: MarkingLevel | None = None,
) -> User:
    """Create an account. ``password=None`` creates one that cannot log in until set."""
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            email=email,
            first_name=first_name,
            last_name=last_name,
            clearance=clearance,
        )
        audit_record(
            actor=actor,
            verb="user.create",
            target=user,
            payload={"username": username, "clearance": clearance.code if clearance else None},
        )
    return user


def membership_grant(
    *, actor: User | None, user: User, role: str, member_state: MemberState | None = None
) -> Membership:
    """Give ``user`` a role, for one member state (or alliance-wide for secretariat/admin).

    Raises ``ValueError`` when the member state does not fit the role.
    """
    if (role in ALLIANCE_WIDE_ROLES) != (member_state is None):
        raise ValueError("secretariat and admin hold no member state; other roles need one")
    with transaction.atomic():
        membership, _created = Membership.objects.get_or_create(
            user=user, role=role, member_state=member_state
        )
        audit_record(
            actor=actor,
            verb="membership.grant",
            target=user,
            payload={"role": role, "member_state": member_state.code if member_state else None},
        )
    return membership


# --- Sessions: log-in, log-out, password -------------------------------------------------------
# Django's auth signals call these (accounts/signals.py); see docs/decisions/0010.


def user_login_record(*, user: User, ip_address: str | None) -> None:
    """Record a successful log-in (audit ``user.login``)."""
    with transaction.atomic():
        audit_record(actor=user, verb="user.login", target=user, payload={"ip_address": ip_address})


def user_login_failure_record(
    *, username: str, ip_address: str | None, locked_out: bool = False
) -> None:
    """Record a refused log-in (audit ``user.login_failed``), whether or not the name exists.

    ``locked_out`` is true when the attempt was refused because of too many failures.
    """
    username = username[: User._meta.get_field("username").max_length or 150]
    with transaction.atomic():
        target = User.objects.filter(username=username).first()
        audit_record(
            actor=None,
            verb="user.login_failed",
            target=target,
            payload={"username": username, "ip_address": ip_address, "locked_out": locked_out},
        )


def user_logout_record(*, user: User, ip_address: str | None) -> None:
    """Record a log-out (audit ``user.logout``) and end every other session of the user.

    Logging out in one browser logs out everywhere (the session epoch, ``user_sessions_end``).
    """
    with transaction.atomic():
        _sessions_end(user)
        audit_record(
            actor=user, verb="user.logout", target=user, payload={"ip_address": ip_address}
        )


def _sessions_end(user: User) -> None:
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


def user_sessions_end(*, actor: User | None, user: User) -> None:
    """End every session of ``user``, in every browser, at its next request (audited).

    The caller that wants to keep its own session calls ``update_session_auth_hash`` after.
    """
    with transaction.atomic():
        _sessions_end(user)
        audit_record(actor=actor, verb="user.sessions_end", target=user, payload={})


def user_deactivate(*, actor: User | None, user: User) -> User:
    """Deactivate ``user``'s account: no log-in, no API token, every session ends.

    Deactivating an inactive account changes nothing (no audit row).
    """
    with transaction.atomic():
        updated = User.objects.filter(pk=user.pk, is_active=True).update(
            is_active=False, session_epoch=F("session_epoch") + 1
        )
        user.refresh_from_db(fields=["is_active", "session_epoch"])
        if updated:
            audit_record(actor=actor, verb="user.deactivate", target=user, payload={})
    return user


# --- Lockout (django-axes) ------------------------------------------------------------------


def user_lockout_record(*, username: str, ip_address: str | None, failures: int | None) -> None:
    """Record that ``failures`` failures locked ``username`` out from that address.

    django-axes reports every refused attempt of a locked pair; only the one that reaches the
    limit starts the lockout, and only it is recorded (``user.lockout``; the later refusals
    are ``user.login_failed`` with ``locked_out``).
    """
    if failures != settings.AXES_FAILURE_LIMIT:
        return
    username = username[: User._meta.get_field("username").max_length or 150]
    with transaction.atomic():
        audit_record(
            actor=None,
            verb="user.lockout",
            target=User.objects.filter(username=username).first(),
            payload={
                "username": username,
                "ip_address": ip_address,
                "failure_limit": settings.AXES_FAILURE_LIMIT,
            },
        )


def user_unlock(*, actor: User | None, username: str) -> int:
    """Lift the lockout of ``username`` (every address) and record it; returns the number of
    failure records removed (0: it was not locked, and nothing is recorded)."""
    from axes.models import AccessAttempt

    with transaction.atomic():
        removed, _by_model = AccessAttempt.objects.filter(username=username).delete()
        if removed:
            audit_record(
                actor=actor,
                verb="user.unlock",
                target=User.objects.filter(username=username).first(),
                payload={"username": username, "attempts_removed": removed},
            )
    return removed


def user_password_change(*, actor: User, user: User, new_password: str) -> None:
    """Set ``user``'s password (already validated by the form) and record it.

    The hash is argon2id (settings.PASSWORD_HASHERS). Every session of the user ends (new
    password and new session epoch); the caller keeps the current one with
    ``update_session_auth_hash``. The audit payload never holds the password.
    """
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _sessions_end(user)
        audit_record(actor=actor, verb="user.password_change", target=user, payload={})


# --- Preferences ----------------------------------------------------------------------------


def user_preferences_update(*, actor: User, user: User, timezone: str, language: str) -> User:
    """Set ``user``'s time zone and language.

    Raises ``ValueError`` for an unknown time zone or a language the site does not offer.
    Writes nothing (and no audit row) when nothing changes.
    """
    if timezone not in available_timezones():
        raise ValueError(f"unknown time zone: {timezone}")
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language: {language}")
    changes = {
        field: value
        for field, value in (("timezone", timezone), ("language", language))
        if getattr(user, field) != value
    }
    if not changes:
        return user
    with transaction.atomic():
        for field, value in changes.items():
            setattr(user, field, value)
        user.save(update_fields=list(changes))
        audit_record(actor=actor, verb="user.preferences_update", target=user, payload=changes)
    return user


# --- Personal API tokens --------------------------------------------------------------------

API_TOKEN_PREFIX = "lpk_"  # noqa: S105 (marks Liptako tokens, not a secret)
API_TOKEN_PREFIX_LENGTH = 12  # "lpk_" and 8 characters: enough to recognise a token in a list
API_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def api_token_hash(token: str) -> str:
    """The SHA-256 (hex) of a clear token: all the database ever holds of it."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class CreatedApiToken:
    """A new token and its clear value, which exists only here and is shown once."""

    token: ApiToken
    clear_token: str


def api_token_create(*, actor: User, user: User, name: str) -> CreatedApiToken:
    """Create a personal API token for ``user`` and return its clear value (once).

    Only the SHA-256 and the first characters (the prefix, to recognise it) are stored.
    Raises ``PermissionDenied`` when ``actor`` may not manage ``user``'s tokens.
    """
    if actor.pk != user.pk or not actor.has_perm("accounts.manage_own_tokens"):
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValueError("a token needs a name")
    clear_token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=clear_token[:API_TOKEN_PREFIX_LENGTH],
            token_hash=api_token_hash(clear_token),
        )
        audit_record(
            actor=actor,
            verb="api_token.create",
            target=token,
            payload={"name": name, "prefix": token.prefix, "user": user.username},
        )
    return CreatedApiToken(token=token, clear_token=clear_token)


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke ``token``: it authenticates nothing from now on.

    Revoking an already revoked token changes nothing. Raises ``PermissionDenied`` when
    ``actor`` may not revoke it (only its owner may).
    """
    if not actor.has_perm("accounts.revoke_token", token):
        raise PermissionDenied
    with transaction.atomic():
        now = django_timezone.now()
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, updated_at=now
        )
        token.refresh_from_db(fields=["revoked_at", "updated_at"])
        if updated:
            audit_record(
                actor=actor,
                verb="api_token.revoke",
                target=token,
                payload={"name": token.name, "prefix": token.prefix},
            )
    return token


def api_token_mark_used(*, token: ApiToken) -> None:
    """Note that ``token`` was just used, at most once a minute (bookkeeping, not audited).

    A conditional UPDATE, so concurrent requests write at most one row change between them.
    """
    now = django_timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < API_TOKEN_TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - API_TOKEN_TOUCH_INTERVAL)
    ).update(last_used_at=now)
    token.last_used_at = now


# --- Two-factor authentication --------------------------------------------------------------
# TOTP (an authenticator app) and single-use recovery codes, through django-otp. Who must have
# one: User.requires_second_factor; the log-in and enrolment pages: accounts/views.py.

TOTP_DEVICE_NAME = "TOTP"
RECOVERY_DEVICE_NAME = "Codes de secours"
TOTP_TOLERANCE = 1  # steps of 30 s either side: a phone's clock a little off still works


def totp_key_new() -> str:
    """A new random TOTP secret (160 bits, hex, as django-otp stores it)."""
    return secrets.token_hex(20)


def totp_current_step(key_hex: str, code: str) -> int | None:
    """The time step at which ``code`` is valid for the secret ``key_hex``, or ``None``."""
    from django_otp.oath import TOTP

    code = code.replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = TOTP(bytes.fromhex(key_hex))
    if not totp.verify(int(code), tolerance=TOTP_TOLERANCE):
        return None
    return int(totp.t())


def recovery_code_normalise(code: str) -> str:
    """What the user typed, as stored: spaces and dashes removed, lower case."""
    return code.replace(" ", "").replace("-", "").strip().lower()


def _recovery_codes_create(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _index in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _require_self(actor: User, user: User) -> None:
    # A second factor is personal: nobody enrols or renews one for someone else.
    if actor.pk != user.pk:
        raise PermissionDenied


@dataclass(frozen=True)
class Enrolment:
    """A new TOTP device and its recovery codes, in clear only here (shown once)."""

    device: TOTPDevice
    recovery_codes: list[str]


def two_factor_enrol(*, actor: User, user: User, key_hex: str, code: str) -> Enrolment:
    """Give ``user`` a confirmed TOTP device for ``key_hex`` and new recovery codes.

    ``code`` must be the app's current code for that secret (``ValueError`` otherwise); it
    cannot be used again to log in. Replaces any device the user had. Audit
    ``user.two_factor_enrol``.
    """
    _require_self(actor, user)
    step = totp_current_step(key_hex, code)
    if step is None:
        raise ValueError("the code does not match the secret")
    return _two_factor_create(actor=actor, user=user, key_hex=key_hex, last_step=step)


def two_factor_create_for_demo(*, user: User, key_hex: str) -> Enrolment:
    """A confirmed TOTP device and recovery codes for a demo account (the demo loader).

    No code to check: the secret is written to ``demo-accounts.txt`` for the reviewer's app.
    """
    return _two_factor_create(actor=None, user=user, key_hex=key_hex, last_step=-1)


def _two_factor_create(
    *, actor: User | None, user: User, key_hex: str, last_step: int
) -> Enrolment:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(
            user=user,
            name=TOTP_DEVICE_NAME,
            key=key_hex,
            confirmed=True,
            tolerance=TOTP_TOLERANCE,
            last_t=last_step,
        )
        codes = _recovery_codes_create(user)
        audit_record(
            actor=actor,
            verb="user.two_factor_enrol",
            target=user,
            payload={"device": "totp", "recovery_codes": len(codes)},
        )
    return Enrolment(device=device, recovery_codes=codes)


def recovery_codes_renew(*, actor: User, user: User) -> list[str]:
    """Replace ``user``'s recovery codes (the old ones stop working); returns the new ones.

    Raises ``ValueError`` when the user has no TOTP device (codes only back one up).
    Audit ``user.recovery_codes_renew``.
    """
    _require_self(actor, user)
    with transaction.atomic():
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise ValueError("no TOTP device to back up")
        codes = _recovery_codes_create(user)
        audit_record(
            actor=actor,
            verb="user.recovery_codes_renew",
            target=user,
            payload={"recovery_codes": len(codes)},
        )
    return codes


def two_factor_remove(*, actor: User | None, user: User) -> bool:
    """Remove ``user``'s TOTP device and recovery codes, and end every session of the user.

    ``actor`` is the user (from their profile: their passkeys stay) or ``None`` (the
    ``reset_two_factor`` command of the technical administrator, for a lost phone: the
    passkeys go too). A user whose role requires a second factor and has none left must enrol
    again at their next log-in. Returns ``False`` (and records nothing) when there was nothing
    to remove. Audit ``user.two_factor_remove``.
    """
    if actor is not None:
        _require_self(actor, user)
    with transaction.atomic():
        removed_totp, _by_model = TOTPDevice.objects.filter(user=user).delete()
        removed_static, _by_model = StaticDevice.objects.filter(user=user).delete()
        removed_passkeys = 0
        if actor is None:
            removed_passkeys, _by_model = WebAuthnCredential.objects.filter(user=user).delete()
        if not (removed_totp or removed_static or removed_passkeys):
            return False
        _sessions_end(user)
        audit_record(
            actor=actor,
            verb="user.two_factor_remove",
            target=user,
            payload={"passkeys": removed_passkeys} if removed_passkeys else {},
        )
    return True


@dataclass(frozen=True)
class SecondFactorCheck:
    """The device that accepted a code, and whether it was a recovery code."""

    device: Device
    is_recovery_code: bool
    recovery_codes_left: int


def second_factor_verify(
    *, user: User, code: str, ip_address: str | None
) -> SecondFactorCheck | None:
    """Check ``code`` (the app's 6 digits or a recovery code) against ``user``'s devices.

    A code is accepted once (TOTP: not twice in the same 30 s; recovery code: deleted when
    used); repeated failures slow the devices down (django-otp's throttling). Records
    ``user.second_factor_failed``, ``user.recovery_code_used`` (with the codes left) or
    ``user.second_factor_verified``. Returns ``None`` when the code is refused.
    """
    compact = code.replace(" ", "").strip()
    with transaction.atomic():
        device: Device | None = None
        if len(compact) == 6 and compact.isdigit():  # the app's code; recovery codes are 8
            totp_devices = TOTPDevice.objects.devices_for_user(user).select_for_update()
            device = next((d for d in totp_devices if d.verify_token(compact)), None)
        else:
            normalised = recovery_code_normalise(code)
            static_devices = StaticDevice.objects.devices_for_user(user).select_for_update()
            device = next((d for d in static_devices if d.verify_token(normalised)), None)
        if device is None:
            audit_record(
                actor=None,
                verb="user.second_factor_failed",
                target=user,
                payload={"ip_address": ip_address},
            )
            return None
        is_recovery_code = isinstance(device, StaticDevice)
        left = device.token_set.count() if is_recovery_code else 0
        audit_record(
            actor=user,
            verb="user.recovery_code_used" if is_recovery_code else "user.second_factor_verified",
            target=user,
            payload={"ip_address": ip_address, "recovery_codes_left": left}
            if is_recovery_code
            else {"ip_address": ip_address},
        )
    return SecondFactorCheck(
        device=device, is_recovery_code=is_recovery_code, recovery_codes_left=left
    )


def user_has_second_factor(user: User) -> bool:
    """True when ``user`` has a confirmed TOTP device or passkey (recovery codes alone do not
    count)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


# --- Passkeys (django-otp-webauthn) ---------------------------------------------------------
# One more second-factor device (decisions 0220, 0221); the ceremonies' endpoints are in
# accounts/passkeys.py. py_webauthn refuses what does not verify; garbled JSON may also raise
# the usual Python errors, which are a refusal too, never a server error.
_PASSKEY_REFUSALS = (OTPWebAuthnApiError, WebAuthnException, ValueError, KeyError, TypeError)


def passkey_register(
    *,
    actor: User,
    user: User,
    helper: WebAuthnHelper,
    state: dict[str, Any],
    data: dict[str, Any],
    name: str,
) -> WebAuthnCredential | None:
    """Verify the browser's new credential against the registration ``state`` and keep it as
    ``user``'s passkey called ``name``.

    Returns ``None`` (and writes nothing) when the credential does not verify. Audit
    ``user.passkey_add``.
    """
    _require_self(actor, user)
    try:
        with transaction.atomic():
            with rewrite_exceptions():
                device = helper.register_complete(user=user, state=state, data=data)
            device.name = name
            device.save(update_fields=["name"])
            audit_record(actor=actor, verb="user.passkey_add", target=user, payload={"name": name})
    except _PASSKEY_REFUSALS:
        return None
    assert isinstance(device, WebAuthnCredential)
    return device


class LastSecondFactorError(Exception):
    """The passkey is the last second factor of a user whose role requires one."""


def passkey_remove(*, actor: User, user: User, passkey: WebAuthnCredential) -> None:
    """Remove ``user``'s ``passkey`` and end every session of the user (the caller keeps its
    own with ``update_session_auth_hash``).

    Raises ``LastSecondFactorError`` (nothing changed) when it is the user's last second
    factor and their role requires one: they set up the app first. Audit
    ``user.passkey_remove``.
    """
    _require_self(actor, user)
    if passkey.user_id != user.pk:
        raise PermissionDenied
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one removal at a time
        others = (
            TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            or WebAuthnCredential.objects.filter(user=user, confirmed=True)
            .exclude(pk=passkey.pk)
            .exists()
        )
        if not others and user.requires_second_factor:
            raise LastSecondFactorError
        WebAuthnCredential.objects.filter(pk=passkey.pk).delete()
        _sessions_end(user)
        audit_record(
            actor=actor, verb="user.passkey_remove", target=user, payload={"name": passkey.name}
        )


def second_factor_passkey_verify(
    *,
    user: User,
    helper: WebAuthnHelper,
    state: dict[str, Any],
    data: dict[str, Any],
    ip_address: str | None,
) -> WebAuthnCredential | None:
    """Check the browser's assertion against the authentication ``state`` and ``user``'s
    passkeys (signature, challenge, origin, relying party, signature counter).

    Records ``user.second_factor_verified`` (with ``device: passkey``) or, as for a wrong
    code, ``user.second_factor_failed``. Returns ``None`` when the assertion is refused.
    """
    try:
        with transaction.atomic():
            with rewrite_exceptions():
                device = helper.authenticate_complete(user=user, state=state, data=data)
            if not device.confirmed or device.user_id != user.pk:
                raise ValueError("passkey disabled or not the user's")
            audit_record(
                actor=user,
                verb="user.second_factor_verified",
                target=user,
                payload={"ip_address": ip_address, "device": "passkey"},
            )
    except _PASSKEY_REFUSALS:
        with transaction.atomic():
            audit_record(
                actor=None,
                verb="user.second_factor_failed",
                target=user,
                payload={"ip_address": ip_address, "device": "passkey"},
            )
        return None
    assert isinstance(device, WebAuthnCredential)
    return device
