"""Writes on accounts: every change goes through here, with its audit event."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone as django_timezone

from liptako.accounts.models import ALLIANCE_WIDE_ROLES, ApiToken, Membership, User
from liptako.audit.services import audit_record
from liptako.core.models import MarkingLevel

if TYPE_CHECKING:
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
    """Record a log-out (audit ``user.logout``)."""
    with transaction.atomic():
        audit_record(
            actor=user, verb="user.logout", target=user, payload={"ip_address": ip_address}
        )


def user_password_change(*, actor: User, user: User, new_password: str) -> None:
    """Set ``user``'s password (already validated by the form) and record it.

    The hash is argon2 (settings.PASSWORD_HASHERS). Other sessions of the user end because
    their session hash no longer matches; the caller keeps the current one with
    ``update_session_auth_hash``. The audit payload never holds the password.
    """
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
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
