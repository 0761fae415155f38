"""What awaits each person in monitoring: the daily e-mail digest and the home page alerts.

- Focal points: their states' reports due within a week, late (due date passed, not handed
  in), or returned for correction; the late actions their states lead.
- Secretariat: reports awaiting review and every late report.
Only plans in implementation that the person may see count.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from liptako.accounts.models import Role, User
from liptako.core.links import base_url
from liptako.monitoring.models import (
    DigestSent,
    PeriodStatus,
    ProgressReport,
    ReportingPeriod,
    ReportStatus,
)
from liptako.monitoring.selectors import HANDED_IN, late_actions_for_user
from liptako.plans.models import Action, Plan, PlanStatus

logger = logging.getLogger(__name__)

DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class ReportAlert:
    period: ReportingPeriod
    member_state_code: str
    member_state_name: str
    report: ProgressReport | None
    url: str


@dataclass
class Digest:
    due_soon: list[ReportAlert] = field(default_factory=list)
    late_reports: list[ReportAlert] = field(default_factory=list)
    returned: list[ReportAlert] = field(default_factory=list)
    awaiting_review: list[ReportAlert] = field(default_factory=list)
    late_actions: list[tuple[Plan, Action]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.due_soon
            or self.late_reports
            or self.returned
            or self.awaiting_review
            or self.late_actions
        )


def _alert(period: ReportingPeriod, state: Any, report: ProgressReport | None) -> ReportAlert:
    if report is not None and report.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED):
        url = reverse("monitoring:report-detail", args=[report.uid])
    else:
        url = reverse("monitoring:report-edit", args=[period.uid, state.code])
    return ReportAlert(
        period=period,
        member_state_code=state.code,
        member_state_name=state.name,
        report=report,
        url=url,
    )


def digest_for(user: User, *, today: dt.date | None = None, with_actions: bool = True) -> Digest:
    """What awaits ``user`` today (a fixed number of queries per person)."""
    today = today or timezone.localdate()
    digest = Digest()
    access = user.access
    plans = list(
        Plan.objects.visible_to(user).filter(status=PlanStatus.IN_IMPLEMENTATION).order_by("pk")
    )
    if not plans:
        return digest
    is_secretariat = access.has_role(Role.SECRETARIAT)
    focal_states = {
        state_id for state_id, roles in access.roles_by_state.items() if Role.FOCAL_POINT in roles
    }
    if not is_secretariat and not focal_states:
        return digest
    from liptako.alliance.models import MemberState

    states = list(
        MemberState.objects.filter(alliance_id__in={plan.alliance_id for plan in plans}).order_by(
            "code"
        )
    )
    if not is_secretariat:
        states = [state for state in states if state.pk in focal_states]
    periods = list(
        ReportingPeriod.objects.filter(plan__in=plans, status=PeriodStatus.OPEN)
        .filter(due_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
        .select_related("plan")
        .order_by("due_date", "pk")
    )
    reports = {
        (report.period_id, report.member_state_id): report
        for report in ProgressReport.objects.filter(period__plan__in=plans, member_state__in=states)
    }
    for period in periods:
        for state in states:
            if state.alliance_id != period.plan.alliance_id:
                continue
            report = reports.get((period.pk, state.pk))
            if report is not None and report.status in HANDED_IN:
                continue
            alert = _alert(period, state, report)
            if period.due_date < today:
                digest.late_reports.append(alert)
            elif state.pk in focal_states:
                digest.due_soon.append(alert)
    if focal_states:
        digest.returned = [
            _alert(report.period, report.member_state, report)
            for report in ProgressReport.objects.filter(
                period__plan__in=plans,
                member_state_id__in=focal_states,
                status=ReportStatus.RETURNED,
            ).select_related("period", "member_state")
        ]
    if is_secretariat:
        digest.awaiting_review = [
            _alert(report.period, report.member_state, report)
            for report in ProgressReport.objects.filter(
                period__plan__in=plans, status=ReportStatus.SUBMITTED
            ).select_related("period", "member_state")
        ]
    if with_actions and focal_states:
        for plan in plans:
            late = late_actions_for_user(user=user, plan=plan, today=today)
            digest.late_actions.extend(
                (plan, action) for action in late if action.lead_state_id in focal_states
            )
    return digest


def digests_send(*, today: dt.date | None = None) -> int:
    """Mail each person their digest, at most once a day (a ``DigestSent`` row is claimed
    first, under a unique constraint, so two runs the same day mail once). Returns the count.
    """
    today = today or timezone.localdate()
    users = (
        User.objects.filter(
            is_active=True, memberships__role__in=[Role.SECRETARIAT, Role.FOCAL_POINT]
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    sent = 0
    for user in users:
        if DigestSent.objects.filter(user=user, day=today).exists():
            continue
        digest = digest_for(user, today=today)
        if digest.is_empty:
            continue
        try:
            with transaction.atomic():
                DigestSent.objects.create(user=user, day=today)
                with translation.override(user.language or settings.LANGUAGE_CODE):
                    context = {
                        "user": user,
                        "digest": digest,
                        "today": today,
                        "base_url": base_url(),
                    }
                    subject = render_to_string("monitoring/mail/digest_subject.txt", context)
                    body = render_to_string("monitoring/mail/digest_body.txt", context)
                send_mail(
                    " ".join(subject.split()),
                    body,
                    settings.DEFAULT_FROM_EMAIL,
                    [user.email],
                )
        except IntegrityError:
            continue  # claimed meanwhile by another run
        sent += 1
    return sent
