"""Writes on accounts: every change goes through here, with its audit event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from liptako.accounts.models import ALLIANCE_WIDE_ROLES, Membership, User
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
