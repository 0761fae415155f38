"""The quarterly report of a period, as one reader may see it: a dataclass, built here once.

Built in the language of the document (every label and explanation is translated while
building); the renderers (``quarterly_render.py``) turn it into PDF or DOCX bytes and never
query. Redaction happens here: only the actions, reports and decisions the reader may see are
counted, and the number withheld is stated (docs/decisions/0140-quarterly-report.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liptako.core.models import MarkingLevel
from liptako.meetings.models import MeetingDecision, MeetingStatus
from liptako.meetings.selectors import MeetingFilters, meeting_list_for_user
from liptako.monitoring import charts
from liptako.monitoring.models import ReportingPeriod, ReportStatus
from liptako.monitoring.rollups import (
    IndicatorAchievement,
    Rollup,
    RollupRow,
    accepted_lines,
    annotated_actions,
    indicator_achievements_for_user,
    is_late_condition,
    rollups_for_user,
    status_label,
)
from liptako.monitoring.selectors import concerning_plan, report_matrix
from liptako.plans.models import Action, Direction, Plan
from liptako.plans.snapshot import decimal_text

# The PDF and DOCX are read in five minutes: they list this many of the most overdue actions
# and of the most off-target indicators; the XLSX of the period keeps every row (decision 0143).
SUMMARY_ROWS = 30


@dataclass(frozen=True)
class ReportMarking:
    code: str
    label: str


@dataclass(frozen=True)
class StateReport:
    """Where a member state's report for the period stands."""

    member_state: str
    status: str  # label: accepted, submitted… or missing
    is_counted: bool  # accepted: its figures are in the report
    is_late: bool


@dataclass(frozen=True)
class LateAction:
    code: str
    title: str
    lead_state: str
    end_date: dt.date
    days_late: int
    status: str
    percent: int
    reason: str  # the difficulties the lead state reported, or a note that none were given


@dataclass(frozen=True)
class DecisionItem:
    reference: str
    meeting: str
    held_on: dt.date
    kind: str
    text: str
    follow_up: str
    due_date: dt.date | None
    follow_up_status: str


@dataclass(frozen=True)
class IndicatorRow:
    indicator: str  # code and name
    by_state: str  # "BFA: 12; MLI: 8", or "-"
    actual: str
    target: str
    assessment: str
    rule: str


@dataclass(frozen=True)
class IndicatorAxisSummary:
    """How many of an axis's indicators meet their target, as of the period."""

    axis: str  # code and title
    indicators: int
    met: int
    on_track: int
    off_track: int
    no_data: int
    other: int  # qualitative, or per member state only: not compared with a target


def _figure(value: Decimal | str | None) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, Decimal):
        return decimal_text(value) or "-"
    return str(value)


def indicator_rows(achievements: list[IndicatorAchievement]) -> list[IndicatorRow]:
    """The indicator table as text (in the active language)."""
    rows = []
    for item in achievements:
        unit = f" {item.indicator.unit}" if item.indicator.unit and item.actual is not None else ""
        rows.append(
            IndicatorRow(
                indicator=f"{item.indicator.code} {item.indicator.name}",
                by_state="; ".join(f"{state}: {_figure(v)}" for state, v in item.by_state.items())
                or "-",
                actual=_figure(item.actual) + unit,
                target=_figure(item.target) if item.target is not None else item.target_text or "-",
                assessment=item.status_label,
                rule=item.rule,
            )
        )
    return rows


def shortfall(item: IndicatorAchievement) -> Decimal:
    """How far an off-track indicator is from its target, as a share of the target."""
    assert item.actual is not None
    assert item.target is not None
    gap = (
        item.actual - item.target
        if item.indicator.direction == Direction.DECREASE
        else item.target - item.actual
    )
    return gap / abs(item.target) if item.target else gap


def most_off_target(achievements: list[IndicatorAchievement]) -> list[IndicatorAchievement]:
    """Every off-track indicator, furthest from its target first (then in plan order)."""
    off = [item for item in achievements if item.status == "off_track"]
    return sorted(off, key=shortfall, reverse=True)  # stable: plan order among equals


def indicator_summary(
    achievements: list[IndicatorAchievement], axis_of_action: dict[int, str]
) -> list[IndicatorAxisSummary]:
    """Counts of indicators by assessment for each axis, in plan order."""
    counts: dict[str, dict[str, int]] = {axis: {} for axis in axis_of_action.values()}
    for item in achievements:
        axis = counts.setdefault(axis_of_action[item.indicator.action_id], {})
        key = item.status if item.status in ("met", "on_track", "off_track", "no_data") else "other"
        axis[key] = axis.get(key, 0) + 1
    return [
        IndicatorAxisSummary(
            axis=axis,
            indicators=sum(by_status.values()),
            met=by_status.get("met", 0),
            on_track=by_status.get("on_track", 0),
            off_track=by_status.get("off_track", 0),
            no_data=by_status.get("no_data", 0),
            other=by_status.get("other", 0),
        )
        for axis, by_status in counts.items()
        if by_status
    ]


@dataclass(frozen=True)
class QuarterlyReport:
    language: str
    alliance: str
    plan_title: str
    period_label: str
    period_start: dt.date
    period_end: dt.date
    late_as_of: dt.date
    generated_at: dt.datetime
    marking: ReportMarking
    headline: RollupRow | None
    by_axis: Rollup
    by_lead_state: Rollup
    by_partner_state: Rollup
    axis_chart_svg: str
    state_chart_svg: str
    state_reports: list[StateReport]
    late_actions: list[LateAction]  # the SUMMARY_ROWS most overdue
    late_actions_more: int  # late actions not listed (in the XLSX)
    decisions: list[DecisionItem]
    decisions_withheld: int
    indicator_summary: list[IndicatorAxisSummary]
    indicators: list[IndicatorRow]  # the SUMMARY_ROWS most off target
    indicators_off_track_more: int  # off-track indicators not listed (in the XLSX)

    @property
    def actions_withheld(self) -> int:
        return self.by_axis.withheld

    @property
    def file_stem(self) -> str:
        """``rapport-trimestriel-t3-2025`` (the period's label, in ASCII)."""
        from django.utils.text import slugify

        return f"rapport-trimestriel-{slugify(self.period_label)}"


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _decisions(user: Any, plan: Plan, period: ReportingPeriod) -> tuple[list[MeetingDecision], int]:
    """Decisions of the meetings held in the period on the plan, and how many are withheld."""
    start, end = _start_of(period.start), _start_of(period.end + dt.timedelta(days=1))
    meetings = meeting_list_for_user(
        user=user,
        filters=MeetingFilters(status=MeetingStatus.HELD, starts_from=start, starts_before=end),
    ).filter(alliance_id=plan.alliance_id)
    visible = list(
        MeetingDecision.objects.visible_to(user)
        .filter(concerning_plan(plan), meeting__in=meetings.values("pk"))
        .select_related("meeting", "classification")
        .order_by("meeting__starts_at", "number")
    )
    every = MeetingDecision.objects.filter(
        concerning_plan(plan),
        meeting__alliance_id=plan.alliance_id,
        meeting__status=MeetingStatus.HELD,
        meeting__ends_at__gte=start,
        meeting__starts_at__lt=end,
    ).count()
    return visible, max(0, every - len(visible))


def _marking(
    user: Any, plan: Plan, decisions: list[MeetingDecision], language: str
) -> ReportMarking:
    """The highest marking of what the reader's copy holds (plan, actions, decisions)."""
    ranks = Action.objects.visible_to(user).filter(plan=plan).values("classification__rank")
    ids = {plan.classification_id, *(decision.classification_id for decision in decisions)}
    level = MarkingLevel.objects.filter(Q(rank__in=ranks) | Q(pk__in=ids)).order_by("-rank").first()
    assert level is not None  # the plan's own marking is always there
    label = (level.label_en or level.label) if language == "en" else level.label
    return ReportMarking(code=level.code, label=label)


def _late_actions(
    user: Any, plan: Plan, period: ReportingPeriod, late_as_of: dt.date
) -> tuple[list[LateAction], int]:
    """The most overdue late actions (earliest end date first), and how many are not listed."""
    reason = (
        accepted_lines(plan, period)
        .filter(action=OuterRef("pk"), report__member_state=OuterRef("lead_state"))
        .order_by("-report__period__start")
        .values("difficulties")[:1]
    )
    actions = (
        annotated_actions(user=user, plan=plan, as_of=period, today=late_as_of)
        .filter(is_late_condition(late_as_of))
        .annotate(reason=Subquery(reason))
        .select_related("lead_state")
        .order_by("end_date", "position", "pk")
    )
    total = actions.count()
    listed = [
        LateAction(
            code=action.code,
            title=action.title,
            lead_state=action.lead_state.name,
            end_date=action.end_date,
            days_late=(late_as_of - action.end_date).days,
            status=status_label(action.progress_status),  # type: ignore[attr-defined]
            percent=action.progress_percent,  # type: ignore[attr-defined]
            reason=action.reason or _("No difficulty was reported in an accepted report."),
        )
        for action in actions[:SUMMARY_ROWS]
    ]
    return listed, total - len(listed)


def _chart_svg(rows: list[RollupRow], title: str) -> str:
    chart = charts.percent_bar_chart(
        [(f"{row.code} {row.label}".strip(), row.percent_complete) for row in rows], title=title
    )
    return render_to_string("monitoring/_bar_chart.html", {"chart": chart})


def quarterly_report_for_user(
    *, user: Any, period: ReportingPeriod, language: str = "fr", today: dt.date | None = None
) -> QuarterlyReport:
    """The report of ``period`` as ``user`` may read it, in ``language`` ("fr" or "en").

    Figures are those of accepted reports up to the period; an action is late when its end
    date passed before the end of the period (or before today, for a period under way).
    """
    plan = period.plan
    today = today or timezone.localdate()
    late_as_of = min(today, period.end + dt.timedelta(days=1))
    with translation.override(language):
        rollups = rollups_for_user(
            user=user,
            plan=plan,
            dimensions=("plan", "axis", "lead_state", "partner_state"),
            as_of=period,
            today=late_as_of,
        )
        row = next(
            (cells for each, cells in report_matrix(plan=plan, today=today).rows if each == period),
            [],
        )
        state_reports = [
            StateReport(
                member_state=cell.member_state.name,
                status=cell.report.get_status_display()
                if cell.report is not None
                else _("No report"),
                is_counted=cell.report is not None and cell.report.status == ReportStatus.ACCEPTED,
                is_late=cell.is_late,
            )
            for cell in row
        ]
        decisions, withheld = _decisions(user, plan, period)
        late_actions, late_more = _late_actions(user, plan, period, late_as_of)
        achievements = indicator_achievements_for_user(user=user, plan=plan, as_of=period)
        off_target = most_off_target(achievements)
        axis_of_action = {
            row["pk"]: f"{row['objective__axis__code']} {row['objective__axis__title']}"
            for row in Action.objects.filter(plan=plan)
            .order_by("objective__axis__position", "objective__axis__pk")
            .values("pk", "objective__axis__code", "objective__axis__title")
        }
        report = QuarterlyReport(
            language=language,
            alliance=plan.alliance.name,
            plan_title=plan.title,
            period_label=period.label,
            period_start=period.start,
            period_end=period.end,
            late_as_of=late_as_of,
            generated_at=timezone.now(),
            marking=_marking(user, plan, decisions, language),
            headline=rollups["plan"].rows[0] if rollups["plan"].rows else None,
            by_axis=rollups["axis"],
            by_lead_state=rollups["lead_state"],
            by_partner_state=rollups["partner_state"],
            axis_chart_svg=_chart_svg(rollups["axis"].rows, _("Percent complete by axis")),
            state_chart_svg=_chart_svg(
                rollups["lead_state"].rows, _("Percent complete by lead member state")
            ),
            state_reports=state_reports,
            late_actions=late_actions,
            late_actions_more=late_more,
            decisions=[
                DecisionItem(
                    reference=decision.reference,
                    meeting=decision.meeting.title,
                    held_on=timezone.localdate(decision.meeting.starts_at),
                    kind=decision.get_kind_display(),
                    text=decision.text,
                    follow_up=decision.follow_up,
                    due_date=decision.due_date,
                    follow_up_status=decision.get_follow_up_status_display(),
                )
                for decision in decisions
            ],
            decisions_withheld=withheld,
            indicator_summary=indicator_summary(achievements, axis_of_action),
            indicators=indicator_rows(off_target[:SUMMARY_ROWS]),
            indicators_off_track_more=max(0, len(off_target) - SUMMARY_ROWS),
        )
    return report
