"""The plans' objects a journal reader may see (audit/visibility.py): those of visible plans,
and, for an action and what hangs on it, only when the action itself is visible."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from liptako.audit.visibility import register_target_visibility
from liptako.plans.models import (
    Action,
    Axis,
    Comment,
    Indicator,
    Milestone,
    Objective,
    Plan,
    PlanVersion,
)


def visible_plans(user: Any) -> QuerySet[Plan]:
    return Plan.objects.visible_to(user)


def visible_actions(user: Any) -> QuerySet[Action]:
    return Action.objects.visible_to(user).filter(plan__in=visible_plans(user))


def visible_comments(user: Any) -> QuerySet[Comment]:
    # A comment is about an item (by uid): hidden with the action it is about.
    hidden_actions = Action.objects.filter(plan__in=visible_plans(user)).exclude(
        pk__in=visible_actions(user)
    )
    hidden_items = [
        hidden_actions.values("uid"),
        Indicator.objects.filter(action__in=hidden_actions).values("uid"),
        Milestone.objects.filter(action__in=hidden_actions).values("uid"),
    ]
    comments = Comment.objects.filter(plan__in=visible_plans(user))
    for uids in hidden_items:
        comments = comments.exclude(item_uid__in=uids)
    return comments


def _in_visible_plans(model: Any) -> Any:
    return lambda user: model.objects.filter(plan__in=visible_plans(user))


def _of_visible_actions(model: Any) -> Any:
    return lambda user: model.objects.filter(action__in=visible_actions(user))


def register() -> None:
    register_target_visibility("plans.plan", visible_plans)
    register_target_visibility("plans.action", visible_actions)
    for in_plan in (Axis, Objective, PlanVersion):
        register_target_visibility(in_plan._meta.label_lower, _in_visible_plans(in_plan))
    for in_action in (Indicator, Milestone):
        register_target_visibility(in_action._meta.label_lower, _of_visible_actions(in_action))
    register_target_visibility("plans.comment", visible_comments)
