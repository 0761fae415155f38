"""Who may see and move the validation workflow.

The services check every right themselves (with a message saying why); these are for
pages: access to a plan's version, and the flags templates show buttons by.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404

from liptako.accounts.permissions import is_authority, is_secretariat, is_validator
from liptako.plans.permissions import access_plan
from liptako.plans.selectors import version_for_user
from liptako.validation.models import IssuedStatement, SigningKey

if TYPE_CHECKING:
    from liptako.accounts.models import User
    from liptako.plans.models import Plan, PlanVersion

rules.add_perm("validation.manage", is_secretariat)
rules.add_perm("validation.hold_key", is_validator | is_authority)


def access_version(user: User, plan_uid: uuid.UUID | str, number: int) -> tuple[Plan, PlanVersion]:
    """The plan and its version ``number``: 404 when either is missing or invisible."""
    plan = access_plan(user, plan_uid)
    return plan, version_for_user(user=user, plan=plan, number=number)


def access_statement(user: User, statement_uid: uuid.UUID) -> IssuedStatement:
    """A statement issued to ``user`` (nobody else's: 404)."""
    statement = (
        IssuedStatement.objects.select_related("version", "version__plan", "member_state")
        .filter(uid=statement_uid, signer=user)
        .first()
    )
    if statement is None:
        raise Http404
    return statement


def access_key(user: User, key_uid: uuid.UUID, *, write: bool = False) -> SigningKey:
    """A key: its holder and the secretariat see it; others get 404."""
    key = SigningKey.objects.select_related("holder").filter(uid=key_uid).first()
    if key is None or (key.holder_id != user.pk and not user.has_perm("validation.manage")):
        raise Http404
    if write and key.holder_id != user.pk and not user.has_perm("validation.manage"):
        raise PermissionDenied
    return key
