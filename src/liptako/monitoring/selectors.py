"""Reads of monitoring, scoped to the user, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet, Window
from django.utils import timezone

from liptako.alliance.models import MemberState
from liptako.meetings.models import MeetingDecision
from liptako.meetings.selectors import follow_up_list_for_user
from liptako.monitoring.models import (
    Evidence,
    IndicatorValue,
    MilestoneReached,
    ProgressLine,
    ProgressReport,
    ReportingPeriod,
    ReportStatus,
)
from liptako.monitoring.permissions import may_read_report
from liptako.monitoring.services import actions_of_state
from liptako.plans.models import Action, Indicator, Milestone, Plan

HANDED_IN = frozenset({ReportStatus.SUBMITTED, ReportStatus.ACCEPTED})


def period_list(*, plan: Plan) -> QuerySet[ReportingPeriod]:
    return ReportingPeriod.objects.filter(plan=plan).order_by("start")


def member_states_of(plan: Plan) -> list[MemberState]:
    return list(MemberState.objects.filter(alliance_id=plan.alliance_id).order_by("code"))


@dataclass
class ReportCell:
    """One state's report for one period, as the period list and the dashboards show it."""

    period: ReportingPeriod
    member_state: MemberState
    report: ProgressReport | None
    is_late: bool  # due date passed and not handed in (submitted or accepted)

    @property
    def is_missing(self) -> bool:
        return self.report is None

    @property
    def status(self) -> str:
        return self.report.status if self.report is not None else ""


@dataclass
class ReportMatrix:
    states: list[MemberState]
    rows: list[tuple[ReportingPeriod, list[ReportCell]]]

    @property
    def late(self) -> list[ReportCell]:
        return [cell for _period, cells in self.rows for cell in cells if cell.is_late]


def report_matrix(
    *, plan: Plan, today: dt.date | None = None, member_state: MemberState | None = None
) -> ReportMatrix:
    """Every period and member state with its report (3 queries), late ones flagged."""
    today = today or timezone.localdate()
    periods = list(period_list(plan=plan))
    states = [member_state] if member_state is not None else member_states_of(plan)
    reports = {
        (report.period_id, report.member_state_id): report
        for report in ProgressReport.objects.filter(period__plan=plan).select_related(
            "member_state"
        )
    }
    rows = []
    for period in periods:
        cells = []
        for state in states:
            report = reports.get((period.pk, state.pk))
            handed_in = report is not None and report.status in HANDED_IN
            cells.append(
                ReportCell(
                    period=period,
                    member_state=state,
                    report=report,
                    is_late=period.due_date < today and not handed_in,
                )
            )
        rows.append((period, cells))
    return ReportMatrix(states=states, rows=rows)


@dataclass
class LineForm:
    """What the report form shows for one action: the action and what was saved for it."""

    action: Action
    is_lead: bool
    indicators: list[Indicator]
    milestones: list[Milestone]
    line: ProgressLine | None
    values: dict[int, IndicatorValue] = field(default_factory=dict)
    reached: dict[int, dt.date] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)


def report_lines_for_user(
    *, user: Any, plan: Plan, member_state: MemberState, report: ProgressReport | None
) -> list[LineForm]:
    """One entry per action the state leads or partners that the user sees (7 queries)."""
    actions = list(
        actions_of_state(plan, member_state.pk)
        .filter(pk__in=Action.objects.visible_to(user).values("pk"))
        .select_related("classification", "lead_state")
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("position", "pk")),
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "pk")),
        )
        .order_by("position", "pk")
    )
    lines: dict[int, ProgressLine] = {}
    values: dict[int, dict[int, IndicatorValue]] = defaultdict(dict)
    reached: dict[int, dict[int, dt.date]] = defaultdict(dict)
    evidence: dict[int | None, list[Evidence]] = defaultdict(list)
    if report is not None:
        lines = {line.action_id: line for line in ProgressLine.objects.filter(report=report)}
        for value in IndicatorValue.objects.filter(line__report=report):
            values[value.line_id][value.indicator_id] = value
        for mark in MilestoneReached.objects.filter(line__report=report):
            reached[mark.line_id][mark.milestone_id] = mark.reached_on
        for item in Evidence.objects.filter(report=report):
            evidence[item.line_id].append(item)
    entries = []
    for action in actions:
        line = lines.get(action.pk)
        entries.append(
            LineForm(
                action=action,
                is_lead=action.lead_state_id == member_state.pk,
                indicators=list(action.indicators.all()),
                milestones=list(action.milestones.all()),
                line=line,
                values=values.get(line.pk, {}) if line else {},
                reached=reached.get(line.pk, {}) if line else {},
                evidence=evidence.get(line.pk, []) if line else [],
            )
        )
    return entries


def report_evidence(report: ProgressReport) -> list[Evidence]:
    return list(Evidence.objects.filter(report=report, line__isnull=True))


@dataclass
class HistoryPoint:
    period: ReportingPeriod
    member_state_code: str
    status: str
    status_label: str
    percent: int
    report: ProgressReport


def action_history_for_user(*, user: Any, action: Action) -> list[HistoryPoint]:
    """Every line on the action in reports the user may read, oldest first (1 query)."""
    lines = (
        ProgressLine.objects.filter(action=action)
        .select_related("report__period", "report__member_state")
        .order_by("report__period__start", "report__member_state__code")
    )
    return [
        HistoryPoint(
            period=line.report.period,
            member_state_code=line.report.member_state.code,
            status=line.status,
            status_label=line.get_status_display(),
            percent=line.percent_complete,
            report=line.report,
        )
        for line in lines
        if may_read_report(user, line.report)
    ]


def reports_awaiting_review(*, plan: Plan | None = None) -> QuerySet[ProgressReport]:
    reports = ProgressReport.objects.filter(status=ReportStatus.SUBMITTED).select_related(
        "period__plan", "member_state"
    )
    if plan is not None:
        reports = reports.filter(period__plan=plan)
    return reports.order_by("submitted_at")


def late_actions_for_user(
    *, user: Any, plan: Plan, today: dt.date, member_state: MemberState | None = None
) -> list[Action]:
    """Visible actions whose end date has passed and that are neither done nor cancelled."""
    from liptako.monitoring.rollups import annotated_actions, is_late_condition

    actions = annotated_actions(
        user=user,
        plan=plan,
        as_of=None,
        today=today,
        member_state_id=member_state.pk if member_state is not None else None,
    ).filter(is_late_condition(today))
    return list(
        actions.select_related("lead_state", "classification").order_by("end_date", "position")
    )


@dataclass
class LateActions:
    items: list[Action]  # the most overdue first
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def late_actions_summary_for_user(
    *,
    user: Any,
    plan: Plan,
    today: dt.date,
    member_state: MemberState | None = None,
    limit: int = 30,
) -> LateActions:
    """The ``limit`` most overdue late actions (those of :func:`late_actions_for_user`) and how
    many are late in all (1 query: the total is a window over the filtered rows)."""
    from liptako.monitoring.rollups import annotated_actions, is_late_condition

    actions: list[Action] = list(
        annotated_actions(
            user=user,
            plan=plan,
            as_of=None,
            today=today,
            member_state_id=member_state.pk if member_state is not None else None,
        )
        .filter(is_late_condition(today))
        .annotate(late_total=Window(Count("pk")))
        .select_related("lead_state", "classification")
        .order_by("end_date", "position", "pk")[:limit]
    )
    return LateActions(
        items=actions,
        total=actions[0].late_total if actions else 0,  # type: ignore[attr-defined]
    )


@dataclass
class RoadmapPage:
    actions: list[Action]  # annotated with their progress status, their axis loaded
    page: Page[int]  # of action ids


def roadmap_actions_for_user(
    *,
    user: Any,
    plan: Plan,
    as_of: ReportingPeriod | None,
    today: dt.date,
    year: int,
    member_state: MemberState | None = None,
    page: str | int | None = None,
    per_page: int = 100,
) -> RoadmapPage:
    """One page of the visible actions under way in ``year``, in plan order, with their
    progress status and axis (3 queries: count, the page's ids, its actions). The progress
    of an action is computed for the actions of the page only."""
    from liptako.monitoring.rollups import annotated_actions

    actions = annotated_actions(
        user=user,
        plan=plan,
        as_of=as_of,
        today=today,
        member_state_id=member_state.pk if member_state is not None else None,
    )
    order = ("objective__axis__position", "objective__position", "position", "pk")
    ids = (
        actions.filter(start_date__lte=dt.date(year, 12, 31), end_date__gte=dt.date(year, 1, 1))
        .order_by(*order)
        .values_list("pk", flat=True)
    )
    shown = Paginator(ids, per_page).get_page(page)
    return RoadmapPage(
        actions=list(
            actions.filter(pk__in=list(shown.object_list))
            .select_related("objective__axis")
            .order_by(*order)
        ),
        page=shown,
    )


def concerning_plan(plan: Plan) -> Q:
    """Decisions about the plan: taken in a meeting on it, on one of its versions or actions."""
    through = MeetingDecision.actions.through
    return (
        Q(meeting__plan=plan)
        | Q(plan_version__plan=plan)
        | Q(pk__in=through.objects.filter(action__plan=plan).values("meetingdecision_id"))
    )


@dataclass
class FollowUps:
    items: list[MeetingDecision]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def open_follow_ups_for_user(
    *,
    user: Any,
    plan: Plan,
    today: dt.date,
    member_state: MemberState | None = None,
    limit: int = 10,
) -> FollowUps:
    """Open follow-ups of meeting decisions on the plan (those a member state owns, for its
    dashboard), overdue first: the first ``limit`` and the total (3 queries)."""
    decisions = follow_up_list_for_user(
        user=user,
        member_state_ids=frozenset({member_state.pk}) if member_state is not None else None,
        today=today,
    ).filter(concerning_plan(plan))
    return FollowUps(items=list(decisions[:limit]), total=decisions.count())
