"""Every write of monitoring: periods, reports and their lines, review, targets, evidence.

All keyword-only, one transaction, an audit row inside. Workflow changes are guarded
UPDATEs (``WHERE status = old AND lock_version = seen``): a double click or two people at
once cannot move a report twice; the loser gets :class:`StaleReport` and nothing changes.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liptako.accounts.models import User
from liptako.alliance.models import MemberState
from liptako.audit.services import audit_record
from liptako.monitoring.evidence import check_evidence_file
from liptako.monitoring.exceptions import StaleReport
from liptako.monitoring.models import (
    EDITABLE_REPORT_STATUSES,
    Evidence,
    IndicatorTarget,
    IndicatorValue,
    LineStatus,
    MilestoneReached,
    MonitoringSettings,
    PeriodStatus,
    ProgressLine,
    ProgressReport,
    ReportingPeriod,
    ReportStatus,
    Weighting,
)
from liptako.monitoring.permissions import can, can_report_for
from liptako.plans.models import Action, Indicator, Measure, Milestone, Plan, PlanStatus
from liptako.plans.snapshot import decimal_text


def _decimal_text(value: Decimal | None) -> str | None:
    return decimal_text(value)


# ---------------------------------------------------------------------------------------
# Settings and periods


def monitoring_settings_of(plan: Plan) -> MonitoringSettings:
    """The plan's settings, or the defaults (unsaved) when none were set."""
    found = MonitoringSettings.objects.filter(plan=plan).first()
    return found if found is not None else MonitoringSettings(plan=plan)


def monitoring_settings_update(
    *,
    plan: Plan,
    actor: User,
    period_months: int | None = None,
    report_due_days: int | None = None,
    weighting: str | None = None,
) -> MonitoringSettings:
    """Secretariat only. Changes apply to periods generated afterwards and to every roll-up."""
    if not can(actor, "monitoring.manage_periods", plan):
        raise PermissionDenied(_("Only the secretariat sets how a plan is monitored."))
    errors: dict[str, str] = {}
    if period_months is not None and not 1 <= period_months <= 12:
        errors["period_months"] = _("A reporting period lasts from 1 to 12 months.")
    if weighting is not None and weighting not in Weighting.values:
        errors["weighting"] = _("Choose equal weights or weights by budget.")
    if report_due_days is not None and not 0 <= report_due_days <= 90:
        errors["report_due_days"] = _("Reports are due 0 to 90 days after a period ends.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current, _created = MonitoringSettings.objects.select_for_update().get_or_create(plan=plan)
        before = {
            "period_months": current.period_months,
            "report_due_days": current.report_due_days,
            "weighting": current.weighting,
        }
        if period_months is not None:
            current.period_months = period_months
        if report_due_days is not None:
            current.report_due_days = report_due_days
        if weighting is not None:
            current.weighting = weighting
        current.save()
        after = {
            "period_months": current.period_months,
            "report_due_days": current.report_due_days,
            "weighting": current.weighting,
        }
        audit_record(
            actor=actor,
            verb="monitoring_settings.update",
            target=plan,
            payload={"plan": str(plan.uid), "before": before, "after": after},
        )
    return current


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_label(start: dt.date, months: int) -> str:
    """ "T1 2025" for quarters, "S1 2025" for halves, "2025" for years, else "03/2025-04/2025"."""
    if months == 3 and start.day == 1 and start.month % 3 == 1:
        return _("Q%(number)s %(year)s") % {
            "number": (start.month - 1) // 3 + 1,
            "year": start.year,
        }
    if months == 6 and start.day == 1 and start.month in (1, 7):
        return _("H%(number)s %(year)s") % {
            "number": 1 if start.month == 1 else 2,
            "year": start.year,
        }
    if months == 12 and start.day == 1 and start.month == 1:
        return str(start.year)
    end = _add_months(start, months) - dt.timedelta(days=1)
    return f"{start:%m/%Y}-{end:%m/%Y}"


def label_in_default_language(start: dt.date, months: int) -> str:
    # Stored once for everybody: in the deployment's language, whoever generated it.
    with translation.override(django_settings.LANGUAGE_CODE):
        return period_label(start, months)


def period_generate(*, plan: Plan, actor: User, months: int | None = None) -> list[ReportingPeriod]:
    """Create the periods covering the plan's span (secretariat). Existing ones are kept.

    Periods are aligned on calendar months from the first day of the plan's first month;
    ``months`` defaults to the plan's setting (3: quarters "T1 2025"). Returns the new ones.
    """
    if not can(actor, "monitoring.manage_periods", plan):
        raise PermissionDenied(_("Only the secretariat opens reporting periods."))
    settings_row = monitoring_settings_of(plan)
    length = months if months is not None else settings_row.period_months
    if not 1 <= length <= 12:
        raise ValidationError({"months": _("A reporting period lasts from 1 to 12 months.")})
    with transaction.atomic():
        existing = set(ReportingPeriod.objects.filter(plan=plan).values_list("start", flat=True))
        created: list[ReportingPeriod] = []
        start = plan.period_start.replace(day=1)
        while start <= plan.period_end:
            end = _add_months(start, length) - dt.timedelta(days=1)
            if start not in existing:
                created.append(
                    ReportingPeriod(
                        plan=plan,
                        label=label_in_default_language(start, length),
                        start=start,
                        end=end,
                        due_date=end + dt.timedelta(days=settings_row.report_due_days),
                    )
                )
            start = end + dt.timedelta(days=1)
        ReportingPeriod.objects.bulk_create(created)
        audit_record(
            actor=actor,
            verb="reporting_period.generate",
            target=plan,
            payload={
                "plan": str(plan.uid),
                "months": length,
                "created": [period.label for period in created],
            },
        )
    return created


def _period_transition(
    *, period: ReportingPeriod, actor: User, old: str, new: str, verb: str, reason: str = ""
) -> ReportingPeriod:
    if not can(actor, "monitoring.manage_periods", period.plan):
        raise PermissionDenied(_("Only the secretariat opens and closes reporting periods."))
    with transaction.atomic():
        moved = ReportingPeriod.objects.filter(pk=period.pk, status=old).update(
            status=new, updated_at=timezone.now()
        )
        if not moved:
            raise StaleReport(
                _("The period %(label)s is already %(status)s.")
                % {"label": period.label, "status": PeriodStatus(new).label.lower()}
            )
        period.refresh_from_db()
        payload: dict[str, Any] = {"period": str(period.uid), "label": period.label}
        if reason:
            payload["reason"] = reason
        audit_record(actor=actor, verb=verb, target=period, payload=payload)
    return period


def period_close(*, period: ReportingPeriod, actor: User) -> ReportingPeriod:
    """Secretariat: the period takes no more reports (saving and submitting are refused)."""
    return _period_transition(
        period=period,
        actor=actor,
        old=PeriodStatus.OPEN,
        new=PeriodStatus.CLOSED,
        verb="reporting_period.close",
    )


def period_reopen(*, period: ReportingPeriod, actor: User, reason: str) -> ReportingPeriod:
    """Secretariat, with a reason (audited): the period takes reports again."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the period is reopened.")})
    return _period_transition(
        period=period,
        actor=actor,
        old=PeriodStatus.CLOSED,
        new=PeriodStatus.OPEN,
        verb="reporting_period.reopen",
        reason=reason.strip(),
    )


# ---------------------------------------------------------------------------------------
# Reports


def actions_of_state(plan: Plan, member_state_id: int) -> QuerySet[Action]:
    """The plan's actions the member state leads or partners (unscoped: callers scope)."""
    return (
        Action.objects.filter(plan=plan)
        .filter(Q(lead_state_id=member_state_id) | Q(partner_states__id=member_state_id))
        .distinct()
    )


def _require_reporter(actor: User, member_state_id: int, state_name: str) -> None:
    if not can_report_for(actor, member_state_id):
        raise PermissionDenied(
            _("Only a focal point of %(state)s (or the secretariat) may report for it.")
            % {"state": state_name}
        )


def _require_open(period: ReportingPeriod) -> None:
    if period.plan.status != PlanStatus.IN_IMPLEMENTATION:
        raise ValidationError(
            _("Progress is reported only once the plan is adopted and in implementation.")
        )
    if period.status != PeriodStatus.OPEN:
        raise ValidationError(
            _("The period %(label)s is closed: it takes no more reports.") % {"label": period.label}
        )


def report_open(
    *, period: ReportingPeriod, member_state: MemberState, actor: User
) -> ProgressReport:
    """The state's report for the period, created as a draft on first use (one per state)."""
    _require_reporter(actor, member_state.pk, member_state.name)
    found = ProgressReport.objects.filter(period=period, member_state=member_state).first()
    if found is not None:
        return found
    _require_open(period)
    try:
        with transaction.atomic():
            report = ProgressReport.objects.create(period=period, member_state=member_state)
            audit_record(
                actor=actor,
                verb="progress_report.create",
                target=report,
                payload={
                    "report": str(report.uid),
                    "period": period.label,
                    "member_state": member_state.code,
                },
            )
    except IntegrityError:  # created meanwhile by a colleague: the same report for both
        return ProgressReport.objects.get(period=period, member_state=member_state)
    return report


@dataclass
class LineInput:
    """What a state reports on one action for the period."""

    action: Action
    status: str = LineStatus.NOT_STARTED
    percent_complete: int | None = 0
    narrative: str = ""
    difficulties: str = ""
    next_steps: str = ""
    milestones: Mapping[Milestone, dt.date | None] = field(default_factory=dict)
    values: Mapping[Indicator, Decimal | str | None] = field(default_factory=dict)


def line_error_key(action: Action, name: str) -> str:
    """The key of a line's field in ``ValidationError.message_dict`` (the form field's name)."""
    return f"{action.uid}-{name}"


def foreign_item_error(action: Action) -> ValidationError:
    """An indicator or milestone named for a line is not the action's (API payloads)."""
    return ValidationError(
        {line_error_key(action, "values"): _("This indicator belongs to another action.")}
    )


def _check_value(
    indicator: Indicator, raw: Decimal | str | None, add: Any, key: str
) -> tuple[Decimal | None, str]:
    """(value, text) for the indicator's measure, or an error added under ``key``."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, ""
    if indicator.measure == Measure.QUALITATIVE:
        return None, str(raw).strip()
    try:
        number = (
            raw
            if isinstance(raw, Decimal)
            else Decimal(str(raw).strip().replace(",", ".").replace(" ", ""))
        )
    except InvalidOperation:
        add(key, _("Enter a number."))
        return None, ""
    if not number.is_finite():
        add(key, _("Enter a number."))
        return None, ""
    if indicator.measure == Measure.PERCENTAGE and not Decimal(0) <= number <= Decimal(100):
        add(key, _("A percentage lies between 0 and 100."))
    elif indicator.measure == Measure.YES_NO and number not in (Decimal(0), Decimal(1)):
        add(key, _("Answer yes (1) or no (0)."))
    return number, ""


def _validate_lines(
    *, report: ProgressReport, actor: User, lines: Sequence[LineInput]
) -> list[
    tuple[LineInput, list[tuple[Milestone, dt.date]], list[tuple[Indicator, Decimal | None, str]]]
]:
    plan = report.period.plan
    eligible = set(actions_of_state(plan, report.member_state_id).values_list("pk", flat=True))
    visible = set(Action.objects.visible_to(actor).filter(plan=plan).values_list("pk", flat=True))
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    checked = []
    seen: set[int] = set()
    for line in lines:
        action = line.action
        if action.pk not in visible:
            raise PermissionDenied(_("You may not report on an action you cannot see."))
        if action.pk not in eligible:
            add(
                line_error_key(action, "action"),
                _(
                    "%(state)s neither leads nor partners the action %(code)s: "
                    "it cannot report on it."
                )
                % {"state": report.member_state.name, "code": action.code},
            )
            continue
        if action.pk in seen:
            add(line_error_key(action, "action"), _("The action is listed twice."))
            continue
        seen.add(action.pk)
        if line.status not in LineStatus.values:
            add(line_error_key(action, "status"), _("Choose a status."))
        percent = line.percent_complete
        if percent is None or not 0 <= percent <= 100:
            add(
                line_error_key(action, "percent_complete"),
                _("The percentage must be between 0 and 100."),
            )
        elif line.status == LineStatus.DONE and percent != 100:
            add(
                line_error_key(action, "percent_complete"),
                _("A done action is complete: enter 100."),
            )
        milestones = []
        for milestone, reached_on in line.milestones.items():
            if milestone.action_id != action.pk:
                add(
                    line_error_key(action, "milestones"),
                    _("This milestone belongs to another action."),
                )
            elif reached_on is not None:
                if reached_on > report.period.end:
                    add(
                        line_error_key(action, f"milestone-{milestone.uid}"),
                        _("A milestone is reached on or before the end of the period."),
                    )
                milestones.append((milestone, reached_on))
        values = []
        for indicator, raw in line.values.items():
            key = line_error_key(action, f"indicator-{indicator.uid}")
            if indicator.action_id != action.pk:
                add(key, _("This indicator belongs to another action."))
                continue
            number, text = _check_value(indicator, raw, add, key)
            if number is not None or text:
                values.append((indicator, number, text))
        checked.append((line, milestones, values))
    if errors:
        raise ValidationError(errors)
    return checked


def _guarded_report_update(
    report: ProgressReport, *, lock_version: int, statuses: Sequence[str], **changes: Any
) -> None:
    moved = ProgressReport.objects.filter(
        pk=report.pk, lock_version=lock_version, status__in=list(statuses)
    ).update(lock_version=F("lock_version") + 1, updated_at=timezone.now(), **changes)
    if not moved:
        raise StaleReport


def _refresh(report: ProgressReport) -> ProgressReport:
    report.refresh_from_db()
    return report


def report_save(
    *,
    report: ProgressReport,
    actor: User,
    lock_version: int,
    lines: Sequence[LineInput],
) -> ProgressReport:
    """Save the draft (as often as wanted): one line per action given, with values, milestones.

    Only while the report is a draft or returned, the period open and the plan in
    implementation, by a focal point of the state or the secretariat. Raises
    ``ValidationError`` keyed by :func:`line_error_key`, ``PermissionDenied``, or
    :class:`StaleReport` (changed meanwhile). Lines not given are kept.
    """
    _require_reporter(actor, report.member_state_id, report.member_state.name)
    if not report.is_editable:
        raise ValidationError(
            _("This report is %(status)s: it can no longer be changed.")
            % {"status": report.get_status_display().lower()}
        )
    _require_open(report.period)
    checked = _validate_lines(report=report, actor=actor, lines=lines)
    with transaction.atomic():
        _guarded_report_update(
            report, lock_version=lock_version, statuses=list(EDITABLE_REPORT_STATUSES)
        )
        existing = {
            line.action_id: line
            for line in ProgressLine.objects.filter(
                report=report, action__in=[item.action for item, _m, _v in checked]
            )
        }
        to_create: list[ProgressLine] = []
        to_update: list[ProgressLine] = []
        for item, _milestones, _values in checked:
            line = existing.get(item.action.pk) or ProgressLine(report=report, action=item.action)
            line.status = item.status
            line.percent_complete = item.percent_complete or 0
            line.narrative = item.narrative.strip()
            line.difficulties = item.difficulties.strip()
            line.next_steps = item.next_steps.strip()
            (to_update if line.pk else to_create).append(line)
        ProgressLine.objects.bulk_create(to_create)
        ProgressLine.objects.bulk_update(
            to_update,
            ["status", "percent_complete", "narrative", "difficulties", "next_steps", "updated_at"],
        )
        line_of = {line.action_id: line for line in [*to_create, *to_update]}
        line_ids = [line.pk for line in line_of.values()]
        IndicatorValue.objects.filter(line_id__in=line_ids).delete()
        MilestoneReached.objects.filter(line_id__in=line_ids).delete()
        IndicatorValue.objects.bulk_create(
            IndicatorValue(
                line=line_of[item.action.pk], indicator=indicator, value=number, text=text
            )
            for item, _milestones, values in checked
            for indicator, number, text in values
        )
        MilestoneReached.objects.bulk_create(
            MilestoneReached(line=line_of[item.action.pk], milestone=milestone, reached_on=day)
            for item, milestones, _values in checked
            for milestone, day in milestones
        )
        audit_record(
            actor=actor,
            verb="progress_report.save",
            target=report,
            payload={
                "report": str(report.uid),
                "period": report.period.label,
                "member_state": report.member_state.code,
                "lines": {
                    item.action.code: {
                        "status": item.status,
                        "percent_complete": item.percent_complete,
                        "values": {
                            indicator.code: (_decimal_text(number) if number is not None else text)
                            for indicator, number, text in values
                        },
                    }
                    for item, _milestones, values in checked
                },
            },
        )
    return _refresh(report)


def missing_lines(report: ProgressReport, actor: User) -> list[Action]:
    """The actions (visible to ``actor``) the state must still report on."""
    return list(
        actions_of_state(report.period.plan, report.member_state_id)
        .filter(pk__in=Action.objects.visible_to(actor).values("pk"))
        .exclude(pk__in=ProgressLine.objects.filter(report=report).values("action_id"))
        .order_by("position", "pk")
    )


def report_submit(*, report: ProgressReport, actor: User, lock_version: int) -> ProgressReport:
    """Submit the whole report for review: every action of the state needs its line."""
    _require_reporter(actor, report.member_state_id, report.member_state.name)
    if not report.is_editable:
        raise ValidationError(
            _("This report is %(status)s: it cannot be submitted again.")
            % {"status": report.get_status_display().lower()}
        )
    _require_open(report.period)
    missing = missing_lines(report, actor)
    if missing:
        raise ValidationError(
            _("Report on every action before submitting; missing: %(codes)s.")
            % {"codes": ", ".join(action.code for action in missing)}
        )
    with transaction.atomic():
        _guarded_report_update(
            report,
            lock_version=lock_version,
            statuses=list(EDITABLE_REPORT_STATUSES),
            status=ReportStatus.SUBMITTED,
            submitted_at=timezone.now(),
            submitted_by=actor,
        )
        audit_record(
            actor=actor,
            verb="progress_report.submit",
            target=report,
            payload={
                "report": str(report.uid),
                "period": report.period.label,
                "member_state": report.member_state.code,
                "revision": report.revision,
            },
        )
    return _refresh(report)


def report_review(
    *,
    report: ProgressReport,
    actor: User,
    lock_version: int,
    accept: bool,
    reason: str = "",
    line_comments: Mapping[Action, str] | None = None,
) -> ProgressReport:
    """Secretariat: accept a submitted report, or return it with reasons (overall or per line).

    Returning needs a reason or at least one line comment. Accepted reports count in roll-ups
    and change only through :func:`report_revise`.
    """
    if not can(actor, "monitoring.review_report", report):
        raise PermissionDenied(_("Only the secretariat reviews progress reports."))
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be reviewed."))
    comments = {action.pk: text.strip() for action, text in (line_comments or {}).items()}
    if not accept and not reason.strip() and not any(comments.values()):
        raise ValidationError({"reason": _("Say why the report is returned.")})
    new_status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
    with transaction.atomic():
        _guarded_report_update(
            report,
            lock_version=lock_version,
            statuses=[ReportStatus.SUBMITTED],
            status=new_status,
            reviewed_at=timezone.now(),
            reviewed_by=actor,
            return_reason="" if accept else reason.strip(),
        )
        lines = list(ProgressLine.objects.filter(report=report).select_related("action"))
        for line in lines:
            line.review_comment = comments.get(line.action_id, "")
        ProgressLine.objects.bulk_update(lines, ["review_comment"])
        audit_record(
            actor=actor,
            verb="progress_report.accept" if accept else "progress_report.return",
            target=report,
            payload={
                "report": str(report.uid),
                "period": report.period.label,
                "member_state": report.member_state.code,
                "reason": reason.strip(),
                "line_comments": {
                    line.action.code: line.review_comment for line in lines if line.review_comment
                },
            },
        )
    return _refresh(report)


def report_revise(
    *, report: ProgressReport, actor: User, lock_version: int, reason: str
) -> ProgressReport:
    """Open a new revision of an accepted report, with a reason (shown 'revised on … because').

    The report goes back to draft (revision + 1) and leaves the roll-ups until it is
    submitted and accepted again. The period must be open.
    """
    _require_reporter(actor, report.member_state_id, report.member_state.name)
    if report.status != ReportStatus.ACCEPTED:
        raise ValidationError(_("Only an accepted report is revised; change the draft instead."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the accepted report is corrected.")})
    _require_open(report.period)
    with transaction.atomic():
        _guarded_report_update(
            report,
            lock_version=lock_version,
            statuses=[ReportStatus.ACCEPTED],
            status=ReportStatus.DRAFT,
            revision=F("revision") + 1,
            revision_reason=reason.strip(),
            revised_at=timezone.now(),
        )
        report = _refresh(report)
        audit_record(
            actor=actor,
            verb="progress_report.revise",
            target=report,
            payload={
                "report": str(report.uid),
                "period": report.period.label,
                "member_state": report.member_state.code,
                "revision": report.revision,
                "reason": report.revision_reason,
            },
        )
    return report


# ---------------------------------------------------------------------------------------
# Targets and evidence


def indicator_target_set(
    *,
    period: ReportingPeriod,
    indicator: Indicator,
    actor: User,
    value: Decimal | str | None = None,
    text: str = "",
) -> IndicatorTarget | None:
    """Secretariat: the indicator's target for the period (empty value and text: removed)."""
    if not can(actor, "monitoring.manage_periods", period.plan):
        raise PermissionDenied(_("Only the secretariat sets targets."))
    if indicator.plan_id != period.plan_id:
        raise ValidationError({"indicator": _("The indicator belongs to another plan.")})
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    number, words = _check_value(indicator, value if value is not None else text, add, "value")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if number is None and not words:
            IndicatorTarget.objects.filter(period=period, indicator=indicator).delete()
            target = None
        else:
            target, _created = IndicatorTarget.objects.update_or_create(
                period=period, indicator=indicator, defaults={"value": number, "text": words}
            )
        audit_record(
            actor=actor,
            verb="indicator_target.set",
            target=indicator,
            payload={
                "period": period.label,
                "indicator": indicator.code,
                "value": _decimal_text(number) if number is not None else words,
            },
        )
    return target


def evidence_add(
    *,
    report: ProgressReport,
    actor: User,
    name: str,
    size: int,
    stream: IO[bytes],
    line: ProgressLine | None = None,
) -> Evidence:
    """Attach a file to a report being prepared. Size is checked before reading, then type."""
    _require_reporter(actor, report.member_state_id, report.member_state.name)
    if not report.is_editable:
        raise ValidationError(_("Files are added only while the report is being prepared."))
    if line is not None and line.report_id != report.pk:
        raise ValidationError({"line": _("This line belongs to another report.")})
    content_type = check_evidence_file(name=name, size=size, stream=stream)
    # No path, no control character (NUL cannot be stored by PostgreSQL), 200 characters.
    printable = "".join(char for char in name if char.isprintable())
    safe_name = printable.replace("/", "_").replace("\\", "_")[-200:] or "evidence"
    with transaction.atomic():
        evidence = Evidence(
            report=report,
            line=line,
            original_name=safe_name,
            content_type=content_type,
            size=size,
            uploaded_by=actor,
        )
        evidence.file.save(safe_name, File(stream), save=False)
        try:
            evidence.save()
            audit_record(
                actor=actor,
                verb="evidence.add",
                target=report,
                payload={
                    "report": str(report.uid),
                    "evidence": str(evidence.uid),
                    "name": safe_name,
                    "size": size,
                    "content_type": content_type,
                },
            )
        except BaseException:
            evidence.file.delete(save=False)  # no file left behind without its row
            raise
    return evidence
