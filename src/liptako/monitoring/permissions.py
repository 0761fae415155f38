"""Who may do what in monitoring.

- ``monitoring.view_monitoring`` (plan): the plan is visible and the user holds a content role.
- ``monitoring.manage_periods`` (plan): the secretariat.
- ``monitoring.report_for_state`` (member state): the secretariat, or a focal point of that
  very member state. Nobody else prepares or submits a state's report.
- ``monitoring.review_report`` (report): the secretariat.

A report is readable by the secretariat, by anyone holding a role for its member state, and,
once accepted, by everyone who sees the plan (accepted figures are what dashboards show).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404

from liptako.accounts.models import Role
from liptako.accounts.permissions import holds_role_for_state, is_secretariat
from liptako.monitoring.models import (
    Evidence,
    ProgressReport,
    ReportingPeriod,
    ReportStatus,
)
from liptako.plans.models import Plan
from liptako.plans.permissions import can_see_plan

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from liptako.accounts.models import User

    AnyUser = User | AnonymousUser

CONTENT_ROLES = frozenset(
    {
        Role.SECRETARIAT,
        Role.EXPERT,
        Role.VALIDATOR,
        Role.AUTHORITY,
        Role.FOCAL_POINT,
        Role.OBSERVER,
    }
)


@rules.predicate
def holds_content_role(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.access.roles & CONTENT_ROLES)


@rules.predicate
def is_focal_point_of_state(user: Any, member_state: Any) -> bool:
    state_id = getattr(member_state, "pk", member_state)
    return state_id is not None and holds_role_for_state(user, Role.FOCAL_POINT, state_id)


rules.add_perm("monitoring.view_monitoring", can_see_plan & holds_content_role)
rules.add_perm("monitoring.manage_periods", can_see_plan & is_secretariat)
rules.add_perm("monitoring.report_for_state", is_secretariat | is_focal_point_of_state)
rules.add_perm("monitoring.review_report", is_secretariat)


def can(user: AnyUser, permission: str, obj: Any = None) -> bool:
    """Test a rule without Django's superuser shortcut (a superuser flag grants no content)."""
    return bool(rules.has_perm(permission, user, obj))


def can_report_for(user: AnyUser, member_state_id: int) -> bool:
    return can(user, "monitoring.report_for_state", member_state_id)


def may_read_report(user: AnyUser, report: ProgressReport) -> bool:
    if not user.is_authenticated:
        return False
    access = user.access
    if access.sees_all_member_states and holds_content_role(user):
        return True
    if report.member_state_id in access.member_state_ids:
        return True
    return report.status == ReportStatus.ACCEPTED and holds_content_role(user)


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def access_monitored_plan(user: AnyUser, plan_uid: uuid.UUID | str) -> Plan:
    """A plan whose monitoring the user may see (404 otherwise: no leak of existence)."""
    plan = Plan.objects.visible_to(user).filter(uid=_as_uuid(plan_uid)).first()
    if plan is None or not holds_content_role(user):
        raise Http404
    return plan


def access_period(
    user: AnyUser, period_uid: uuid.UUID | str, *, write: bool = False
) -> ReportingPeriod:
    """404 when missing or its plan is invisible; 403 for ``write`` unless secretariat."""
    period = ReportingPeriod.objects.select_related("plan").filter(uid=_as_uuid(period_uid)).first()
    if period is None or not can(user, "monitoring.view_monitoring", period.plan):
        raise Http404
    if write and not can(user, "monitoring.manage_periods", period.plan):
        raise PermissionDenied
    return period


def access_report(
    user: AnyUser, report_uid: uuid.UUID | str, *, write: bool = False
) -> ProgressReport:
    """A report the user may read (404 otherwise); ``write``: may prepare it (403 otherwise)."""
    report = (
        ProgressReport.objects.select_related(
            "period__plan", "member_state", "submitted_by", "reviewed_by"
        )
        .filter(uid=_as_uuid(report_uid))
        .first()
    )
    if report is None or not can(user, "monitoring.view_monitoring", report.period.plan):
        raise Http404
    if not may_read_report(user, report):
        raise Http404
    if write and not can_report_for(user, report.member_state_id):
        raise PermissionDenied
    return report


def access_evidence(user: AnyUser, evidence_uid: uuid.UUID | str) -> Evidence:
    """An evidence file of a report the user may read, whose action (if any) the user sees."""
    from liptako.plans.models import Action

    evidence = (
        Evidence.objects.select_related("report__period__plan", "line")
        .filter(uid=_as_uuid(evidence_uid))
        .first()
    )
    if evidence is None:
        raise Http404
    access_report(user, evidence.report.uid)
    if (
        evidence.line is not None
        and not Action.objects.visible_to(user).filter(pk=evidence.line.action_id).exists()
    ):
        raise Http404
    return evidence
