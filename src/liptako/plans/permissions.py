"""Who may do what with a plan: ``rules`` predicates and the access functions.

- ``plans.view_plan``: the plan is visible to the user (clearance and releasability).
- ``plans.change_plan``: experts of any member state and the secretariat edit the live draft
  while the plan is in drafting (or sent back with changes requested).
- ``plans.change_plan_details``, ``plans.freeze_plan``, ``plans.change_code``: the
  secretariat only, on an editable plan.
- ``plans.comment``: secretariat, experts and validators, on any plan not closed.
- ``plans.add_plan``: the secretariat.

Items inside a plan follow the plan, except actions, which carry their own marking: an
action (and its indicators and milestones) hidden by ``visible_to`` is absent for the user.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from liptako.accounts.permissions import is_expert, is_secretariat, is_validator
from liptako.plans.models import (
    EDITABLE_STATUSES,
    Action,
    Axis,
    Comment,
    Indicator,
    Milestone,
    Objective,
    Plan,
    PlanStatus,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from liptako.accounts.models import User

    AnyUser = User | AnonymousUser

PlanItemModel = Axis | Objective | Action | Indicator | Milestone


# ``access_plan`` marks the plan it returns with the user it checked, so that the permission
# flags of the same page (five rules over the same plan) decide its visibility once, not with
# one query each.
_SEEN_BY = "_liptako_seen_by"


@rules.predicate
def can_see_plan(user: AnyUser, plan: Plan | None) -> bool:
    if plan is None or not user.is_authenticated:
        return False
    if getattr(plan, _SEEN_BY, None) == user.pk:
        return True
    return Plan.objects.visible_to(user).filter(pk=plan.pk).exists()


@rules.predicate
def plan_is_editable(user: AnyUser, plan: Plan | None) -> bool:
    return plan is not None and plan.status in EDITABLE_STATUSES


@rules.predicate
def plan_is_open(user: AnyUser, plan: Plan | None) -> bool:
    return plan is not None and plan.status != PlanStatus.CLOSED


rules.add_perm("plans.add_plan", is_secretariat)
rules.add_perm("plans.view_plan", can_see_plan)
rules.add_perm("plans.change_plan", can_see_plan & plan_is_editable & (is_secretariat | is_expert))
rules.add_perm("plans.change_plan_details", can_see_plan & plan_is_editable & is_secretariat)
rules.add_perm("plans.freeze_plan", can_see_plan & plan_is_editable & is_secretariat)
rules.add_perm("plans.change_code", can_see_plan & plan_is_editable & is_secretariat)
rules.add_perm(
    "plans.comment", can_see_plan & plan_is_open & (is_secretariat | is_expert | is_validator)
)


def can(user: AnyUser, permission: str, plan: Plan | None = None) -> bool:
    """Test a rule without Django's superuser shortcut (a superuser flag grants no content)."""
    return bool(rules.has_perm(permission, user, plan))


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, ValidationError) as error:
        raise Http404 from error


def access_plan(
    user: AnyUser, plan_uid: uuid.UUID | str, *, write: bool = False, related: bool = True
) -> Plan:
    """The plan, or 404 when it is missing or invisible, or 403 when ``write`` is refused.

    ``related=False`` leaves the alliance and the marking level unloaded (one join each, and
    two objects built): for callers that use the plan only to scope their own queries."""
    plans = Plan.objects.visible_to(user).filter(uid=_as_uuid(plan_uid)).order_by()
    if related:
        plans = plans.select_related("alliance", "classification")
    # The uid is unique: at most one row, no ordering needed.
    plan = next(iter(plans[:1]), None)
    if plan is None:
        raise Http404
    setattr(plan, _SEEN_BY, user.pk)
    if write and not can(user, "plans.change_plan", plan):
        raise PermissionDenied
    return plan


def visible_action_ids(user: AnyUser, plan: Plan) -> set[int]:
    return set(Action.objects.visible_to(user).filter(plan=plan).values_list("pk", flat=True))


def access_item(
    user: AnyUser, plan: Plan, item_uid: uuid.UUID | str, *, write: bool = False
) -> PlanItemModel:
    """An item of ``plan`` (axis, objective, action, indicator or milestone) by its uid.

    404 when missing, in another plan, or inside an action the user may not see; 403 when
    ``write`` is asked and the plan may not be changed by the user. ``plan`` comes from
    :func:`access_plan`.
    """
    key = _as_uuid(item_uid)
    item: PlanItemModel | None = None
    for model in (Axis, Objective, Action, Indicator, Milestone):
        item = model.objects.filter(plan=plan, uid=key).first()
        if item is not None:
            break
    if item is None:
        raise Http404
    action_id = item.pk if isinstance(item, Action) else getattr(item, "action_id", None)
    if action_id is not None and not Action.objects.visible_to(user).filter(pk=action_id).exists():
        raise Http404
    if write and not can(user, "plans.change_plan", plan):
        raise PermissionDenied
    return item


def access_action(
    user: AnyUser, plan: Plan, action_uid: uuid.UUID | str, *, write: bool = False
) -> Action:
    action = (
        Action.objects.visible_to(user)
        .select_related("classification", "lead_state", "responsible_organisation", "objective")
        .filter(plan=plan, uid=_as_uuid(action_uid))
        .first()
    )
    if action is None:
        raise Http404
    if write and not can(user, "plans.change_plan", plan):
        raise PermissionDenied
    return action


def access_comment(user: AnyUser, plan: Plan, comment_uid: uuid.UUID | str) -> Comment:
    """A comment of ``plan`` whose item the user sees, or 404."""
    comment = (
        Comment.objects.select_related("author", "resolved_by", "parent")
        .filter(plan=plan, uid=_as_uuid(comment_uid))
        .first()
    )
    if comment is None:
        raise Http404
    if comment.item_uid != plan.uid:
        access_item(user, plan, comment.item_uid)
    return comment
