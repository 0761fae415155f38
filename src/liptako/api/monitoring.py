"""API operations of monitoring: periods, reports (read, save, submit, review, revise),
indicator targets and values, roll-ups and dashboard data. Thin adapters over
monitoring.services, selectors and rollups; the same access functions as the pages.

Errors: 403/404 as the access functions say, 409 when the report changed meanwhile (send the
current ``lock_version``), 422 with the service's field errors (keys ``<action uid>-<field>``).
No ``from __future__ import annotations``: django-ninja reads the parameter types at run time.
"""

import datetime
import uuid
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from liptako.alliance.models import MemberState
from liptako.monitoring import selectors, services
from liptako.monitoring.exceptions import StaleReport
from liptako.monitoring.models import ProgressReport, ReportingPeriod
from liptako.monitoring.permissions import (
    access_monitored_plan,
    access_period,
    access_report,
    can,
    can_report_for,
    may_read_report,
)
from liptako.monitoring.rollups import (
    DIMENSIONS,
    indicator_achievements_for_user,
    rollup_for_user,
)
from liptako.plans.models import Action, Indicator
from liptako.plans.snapshot import decimal_text

router = Router(tags=["monitoring"])


class ErrorOut(Schema):
    detail: str


class ReopenIn(Schema):
    reason: str


class LineIn(Schema):
    action: uuid.UUID
    status: str
    percent_complete: int = 0
    narrative: str = ""
    difficulties: str = ""
    next_steps: str = ""
    milestones: dict[uuid.UUID, datetime.date | None] = {}
    values: dict[uuid.UUID, str | None] = {}


class ReportSaveIn(Schema):
    lock_version: int = 0
    lines: list[LineIn]
    submit: bool = False


class LockIn(Schema):
    lock_version: int


class ReviewIn(Schema):
    lock_version: int
    accept: bool
    reason: str = ""
    line_comments: dict[uuid.UUID, str] = {}


class ReviseIn(Schema):
    lock_version: int
    reason: str


class TargetIn(Schema):
    value: str | None = None
    text: str = ""


WRITE = {200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: dict[str, Any]}
READ = {200: dict[str, Any], 403: ErrorOut, 404: ErrorOut}


def _user(request: HttpRequest) -> Any:
    """The caller: what the API's authentication returned, else the session's user."""
    auth = getattr(request, "auth", None)
    return auth if getattr(auth, "is_authenticated", False) else request.user


def _period_out(period: ReportingPeriod) -> dict[str, Any]:
    return {
        "id": str(period.uid),
        "label": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "due_date": period.due_date.isoformat(),
        "status": period.status,
    }


def _report_out(
    report: ProgressReport, lines: list[selectors.LineForm] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(report.uid),
        "period": report.period.label,
        "period_id": str(report.period.uid),
        "member_state": report.member_state.code,
        "status": report.status,
        "lock_version": report.lock_version,
        "submitted_at": report.submitted_at.isoformat() if report.submitted_at else None,
        "reviewed_at": report.reviewed_at.isoformat() if report.reviewed_at else None,
        "return_reason": report.return_reason,
        "revision": report.revision,
        "revision_reason": report.revision_reason,
        "revised_at": report.revised_at.isoformat() if report.revised_at else None,
    }
    if lines is not None:
        out["lines"] = [
            {
                "action": str(entry.action.uid),
                "code": entry.action.code,
                "status": entry.line.status,
                "percent_complete": entry.line.percent_complete,
                "narrative": entry.line.narrative,
                "difficulties": entry.line.difficulties,
                "next_steps": entry.line.next_steps,
                "review_comment": entry.line.review_comment,
                "values": {
                    indicator.code: (
                        decimal_text(entry.values[indicator.pk].value)
                        if entry.values[indicator.pk].value is not None
                        else entry.values[indicator.pk].text
                    )
                    for indicator in entry.indicators
                    if indicator.pk in entry.values
                },
                "milestones": {
                    milestone.title: entry.reached[milestone.pk].isoformat()
                    for milestone in entry.milestones
                    if milestone.pk in entry.reached
                },
            }
            for entry in lines
            if entry.line is not None
        ]
    return out


def _errors(error: DjangoValidationError) -> Status[dict[str, Any]]:
    if hasattr(error, "error_dict"):
        errors = [
            {"loc": ["body", key], "msg": message, "type": "value_error"}
            for key, messages in error.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"loc": ["body"], "msg": m, "type": "value_error"} for m in error.messages]
    return Status(422, {"detail": _("The request is not valid."), "errors": errors})


def _write(call: Callable[[], Any], render: Callable[[Any], Any]) -> Any:
    try:
        result = call()
    except StaleReport as stale:
        return Status(409, {"detail": str(stale)})
    except DjangoValidationError as error:
        return _errors(error)
    return Status(200, render(result))


def _state(period: ReportingPeriod, code: str) -> MemberState:
    return get_object_or_404(MemberState, alliance_id=period.plan.alliance_id, code=code.upper())


def _period_in(request: HttpRequest, plan: Any, period: uuid.UUID | None) -> ReportingPeriod | None:
    if period is None:
        return None
    found = access_period(_user(request), period)
    if found.plan_id != plan.pk:
        raise Http404
    return found


# --- Periods ---------------------------------------------------------------------------------


@router.get("/plans/{plan_uid}/periods", response=READ, summary="Reporting periods of a plan")
def list_periods(request: HttpRequest, plan_uid: uuid.UUID) -> Any:
    plan = access_monitored_plan(_user(request), plan_uid)
    matrix = selectors.report_matrix(plan=plan)
    return {
        "periods": [
            {
                **_period_out(period),
                "reports": {
                    cell.member_state.code: {
                        "status": cell.status or None,
                        "late": cell.is_late,
                        "id": str(cell.report.uid)
                        if cell.report is not None and may_read_report(_user(request), cell.report)
                        else None,
                    }
                    for cell in cells
                },
            }
            for period, cells in matrix.rows
        ]
    }


@router.post("/plans/{plan_uid}/periods/generate", response=WRITE, summary="Create the periods")
def generate_periods(request: HttpRequest, plan_uid: uuid.UUID) -> Any:
    plan = access_monitored_plan(_user(request), plan_uid)
    return _write(
        lambda: services.period_generate(plan=plan, actor=_user(request)),
        lambda created: {"created": [_period_out(period) for period in created]},
    )


@router.post("/periods/{period_uid}/close", response=WRITE, summary="Close a period")
def close_period(request: HttpRequest, period_uid: uuid.UUID) -> Any:
    period = access_period(_user(request), period_uid, write=True)
    return _write(lambda: services.period_close(period=period, actor=_user(request)), _period_out)


@router.post("/periods/{period_uid}/reopen", response=WRITE, summary="Reopen a period")
def reopen_period(request: HttpRequest, period_uid: uuid.UUID, payload: ReopenIn) -> Any:
    period = access_period(_user(request), period_uid, write=True)
    return _write(
        lambda: services.period_reopen(period=period, actor=_user(request), reason=payload.reason),
        _period_out,
    )


@router.put(
    "/periods/{period_uid}/targets/{indicator_uid}",
    response=WRITE,
    summary="Set an indicator's target for the period",
)
def set_target(
    request: HttpRequest, period_uid: uuid.UUID, indicator_uid: uuid.UUID, payload: TargetIn
) -> Any:
    user = _user(request)
    period = access_period(user, period_uid, write=True)
    indicator = get_object_or_404(
        Indicator,
        plan=period.plan,
        uid=indicator_uid,
        action__in=Action.objects.visible_to(user),
    )
    return _write(
        lambda: services.indicator_target_set(
            period=period, indicator=indicator, actor=user, value=payload.value, text=payload.text
        ),
        lambda target: {
            "indicator": indicator.code,
            "period": period.label,
            "value": decimal_text(target.value) if target and target.value is not None else None,
            "text": target.text if target else "",
        },
    )


# --- Reports ---------------------------------------------------------------------------------


@router.get("/periods/{period_uid}/reports/{state_code}", response=READ, summary="A state's report")
def get_report(request: HttpRequest, period_uid: uuid.UUID, state_code: str) -> Any:
    user = _user(request)
    period = access_period(user, period_uid)
    state = _state(period, state_code)
    report = ProgressReport.objects.filter(period=period, member_state=state).first()
    if report is None:
        raise Http404
    report = access_report(user, report.uid)
    lines = selectors.report_lines_for_user(
        user=user, plan=period.plan, member_state=state, report=report
    )
    return _report_out(report, lines)


@router.put(
    "/periods/{period_uid}/reports/{state_code}",
    response=WRITE,
    summary="Save a state's report (draft), optionally submitting it",
)
def save_report(
    request: HttpRequest, period_uid: uuid.UUID, state_code: str, payload: ReportSaveIn
) -> Any:
    user = _user(request)
    period = access_period(user, period_uid)
    state = _state(period, state_code)
    if not can_report_for(user, state.pk):
        raise PermissionDenied
    visible = {
        action.uid: action
        for action in Action.objects.visible_to(user)
        .filter(plan=period.plan, uid__in=[line.action for line in payload.lines])
        .prefetch_related("indicators", "milestones")
    }
    inputs = []
    for line in payload.lines:
        action = visible.get(line.action)
        if action is None:
            raise Http404
        indicators = {indicator.uid: indicator for indicator in action.indicators.all()}
        milestones = {milestone.uid: milestone for milestone in action.milestones.all()}
        if not set(line.values) <= set(indicators) or not set(line.milestones) <= set(milestones):
            return _errors(services.foreign_item_error(action))
        inputs.append(
            services.LineInput(
                action=action,
                status=line.status,
                percent_complete=line.percent_complete,
                narrative=line.narrative,
                difficulties=line.difficulties,
                next_steps=line.next_steps,
                milestones={milestones[key]: day for key, day in line.milestones.items()},
                values={indicators[key]: value for key, value in line.values.items()},
            )
        )

    def call() -> ProgressReport:
        report = services.report_open(period=period, member_state=state, actor=user)
        lock_version = payload.lock_version or report.lock_version
        report = services.report_save(
            report=report, actor=user, lock_version=lock_version, lines=inputs
        )
        if payload.submit:
            report = services.report_submit(
                report=report, actor=user, lock_version=report.lock_version
            )
        return report

    return _write(call, _report_out)


@router.post("/reports/{report_uid}/submit", response=WRITE, summary="Submit a report")
def submit_report(request: HttpRequest, report_uid: uuid.UUID, payload: LockIn) -> Any:
    report = access_report(_user(request), report_uid, write=True)
    return _write(
        lambda: services.report_submit(
            report=report, actor=_user(request), lock_version=payload.lock_version
        ),
        _report_out,
    )


@router.post("/reports/{report_uid}/review", response=WRITE, summary="Accept or return a report")
def review_report(request: HttpRequest, report_uid: uuid.UUID, payload: ReviewIn) -> Any:
    user = _user(request)
    report = access_report(user, report_uid)
    if not can(user, "monitoring.review_report", report):
        raise PermissionDenied
    actions = {
        action.uid: action
        for action in Action.objects.filter(
            plan=report.period.plan, uid__in=list(payload.line_comments)
        )
    }
    return _write(
        lambda: services.report_review(
            report=report,
            actor=user,
            lock_version=payload.lock_version,
            accept=payload.accept,
            reason=payload.reason,
            line_comments={
                actions[key]: text for key, text in payload.line_comments.items() if key in actions
            },
        ),
        _report_out,
    )


@router.post("/reports/{report_uid}/revise", response=WRITE, summary="Revise an accepted report")
def revise_report(request: HttpRequest, report_uid: uuid.UUID, payload: ReviseIn) -> Any:
    report = access_report(_user(request), report_uid, write=True)
    return _write(
        lambda: services.report_revise(
            report=report,
            actor=_user(request),
            lock_version=payload.lock_version,
            reason=payload.reason,
        ),
        _report_out,
    )


# --- Roll-ups and dashboard ------------------------------------------------------------------


@router.get(
    "/plans/{plan_uid}/rollups",
    response={**READ, 422: dict[str, Any]},
    summary="Roll-up of accepted progress",
)
def get_rollup(
    request: HttpRequest,
    plan_uid: uuid.UUID,
    dimension: str = "axis",
    period: uuid.UUID | None = None,
    state: str = "",
) -> Any:
    user = _user(request)
    plan = access_monitored_plan(user, plan_uid)
    if dimension not in DIMENSIONS:
        return Status(
            422,
            {
                "detail": _("The request is not valid."),
                "errors": [{"loc": ["query", "dimension"], "msg": ", ".join(DIMENSIONS)}],
            },
        )
    member_state = (
        get_object_or_404(MemberState, alliance_id=plan.alliance_id, code=state.upper())
        if state
        else None
    )
    return rollup_for_user(
        user=user,
        plan=plan,
        dimension=dimension,
        as_of=_period_in(request, plan, period),
        member_state_id=member_state.pk if member_state else None,
    ).as_dict()


@router.get(
    "/plans/{plan_uid}/indicators", response=READ, summary="Indicator values against targets"
)
def get_indicators(request: HttpRequest, plan_uid: uuid.UUID, period: uuid.UUID) -> Any:
    user = _user(request)
    plan = access_monitored_plan(user, plan_uid)
    as_of = _period_in(request, plan, period)
    assert as_of is not None
    return {
        "period": as_of.label,
        "indicators": [
            item.as_dict()
            for item in indicator_achievements_for_user(user=user, plan=plan, as_of=as_of)
        ],
    }


@router.get("/plans/{plan_uid}/dashboard", response=READ, summary="The dashboard's figures")
def get_dashboard(
    request: HttpRequest, plan_uid: uuid.UUID, period: uuid.UUID | None = None, state: str = ""
) -> Any:
    user = _user(request)
    plan = access_monitored_plan(user, plan_uid)
    today = timezone.localdate()
    member_state = (
        get_object_or_404(MemberState, alliance_id=plan.alliance_id, code=state.upper())
        if state
        else None
    )
    as_of = _period_in(request, plan, period)
    state_id = member_state.pk if member_state else None
    rollups = {
        dimension: rollup_for_user(
            user=user,
            plan=plan,
            dimension=dimension,
            as_of=as_of,
            today=today,
            member_state_id=state_id,
        ).as_dict()
        for dimension in ("plan", "axis", "lead_state", "partner_state")
    }
    matrix = selectors.report_matrix(plan=plan, today=today, member_state=member_state)
    follow_ups = selectors.open_follow_ups_for_user(
        user=user, plan=plan, today=today, member_state=member_state
    )
    return {
        "plan": str(plan.uid),
        "member_state": member_state.code if member_state else None,
        "as_of": as_of.label if as_of else None,
        "rollups": rollups,
        "late_actions": [
            {"code": action.code, "title": action.title, "end_date": action.end_date.isoformat()}
            for action in selectors.late_actions_for_user(
                user=user, plan=plan, today=today, member_state=member_state
            )
        ],
        "late_reports": [
            {
                "period": cell.period.label,
                "member_state": cell.member_state.code,
                "status": cell.status or None,
            }
            for cell in matrix.late
        ],
        "open_follow_ups": [
            {
                "reference": decision.reference,
                "follow_up": decision.follow_up,
                "owner": str(decision.follow_up_owner or ""),
                "due_date": decision.due_date.isoformat() if decision.due_date else None,
                "is_overdue": decision.due_date is not None and decision.due_date < today,
            }
            for decision in follow_ups.items
        ],
        "open_follow_ups_total": follow_ups.total,
        "quarterly_report": {
            "pdf": reverse("monitoring:quarterly-pdf", args=[as_of.uid]),
            "docx": reverse("monitoring:quarterly-docx", args=[as_of.uid]),
        }
        if as_of is not None
        else None,
    }
