"""Pages of monitoring (/suivi/): periods, report forms, review, dashboards, action history."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liptako.accounts.models import User
from liptako.alliance.models import MemberState
from liptako.core.marking import raise_page_marking
from liptako.core.uploads import body_limit
from liptako.documents.selectors import report_language
from liptako.monitoring import charts, selectors, services
from liptako.monitoring.evidence import max_evidence_bytes
from liptako.monitoring.exceptions import StaleReport
from liptako.monitoring.exports import monitoring_xlsx
from liptako.monitoring.forms import (
    EvidenceForm,
    ReopenForm,
    ReportForm,
    ReviewForm,
    RevisionForm,
    SettingsForm,
)
from liptako.monitoring.models import ReportStatus
from liptako.monitoring.permissions import (
    access_evidence,
    access_monitored_plan,
    access_period,
    access_report,
    can,
    can_report_for,
    may_read_report,
)
from liptako.monitoring.quarterly import QuarterlyReport, quarterly_report_for_user
from liptako.monitoring.quarterly_render import render_quarterly_docx, render_quarterly_pdf
from liptako.monitoring.rollups import (
    indicator_achievements_for_user,
    rollups_for_user,
    visible_indicators,
)
from liptako.plans.models import Action, Indicator, Plan, PlanStatus
from liptako.plans.permissions import access_action

# The dashboard lists the most overdue late actions, then says how many more there are and
# where to find them (the XLSX), as the quarterly report does (decision 0143).
LATE_ACTIONS_SHOWN = 30
# The roadmap shows this many actions a page (``?feuille=<page>``): its bars stay readable and
# the progress of a 1,000-action plan is computed for one page only (decision 0144).
ROADMAP_ROWS = 100


def _actor(request: HttpRequest) -> User:
    # LoginRequiredMiddleware guarantees a logged-in user on every page of the app.
    return cast(User, request.user)


def _errors_as_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    """The plans whose implementation is monitored (adopted or closed), visible to the user."""
    plans = Plan.objects.visible_to(request.user).filter(
        status__in=[PlanStatus.IN_IMPLEMENTATION, PlanStatus.CLOSED]
    )
    return render(request, "monitoring/plan_list.html", {"plans": plans})


def _dashboard_context(
    request: HttpRequest, plan: Plan, member_state: MemberState | None
) -> dict[str, Any]:
    today = timezone.localdate()
    periods = list(selectors.period_list(plan=plan))
    as_of = _as_of(request, periods, today)
    state_id = member_state.pk if member_state is not None else None
    rollups = rollups_for_user(
        user=request.user,
        plan=plan,
        dimensions=("plan", "axis", "lead_state", "partner_state"),
        as_of=as_of,
        today=today,
        member_state_id=state_id,
    )
    headline = rollups["plan"].rows[0] if rollups["plan"].rows else None
    axis_chart = charts.percent_bar_chart(
        [(f"{row.code} {row.label}", row.percent_complete) for row in rollups["axis"].rows],
        title=_("Percent complete by axis"),
    )
    matrix = selectors.report_matrix(plan=plan, today=today, member_state=member_state)
    # One page of the indicator table: its figures are computed for that page only.
    indicator_page = Paginator(
        visible_indicators(user=request.user, plan=plan), settings.PAGE_SIZE
    ).get_page(request.GET.get("indicateurs"))
    year = as_of.start.year if as_of is not None else today.year
    roadmap_page = selectors.roadmap_actions_for_user(
        user=request.user,
        plan=plan,
        as_of=as_of,
        today=today,
        year=year,
        member_state=member_state,
        page=request.GET.get("feuille"),
        per_page=ROADMAP_ROWS,
    )
    roadmap = charts.status_roadmap_svg(
        roadmap_page.actions,
        year=year,
        today=today,
        title=_("Roadmap %(year)s by status") % {"year": year},
    )
    return {
        "plan": plan,
        "roadmap_svg": roadmap,
        "roadmap_page": roadmap_page.page,
        "roadmap_year": str(year),  # not "2 025"
        "follow_ups": selectors.open_follow_ups_for_user(
            user=request.user, plan=plan, today=today, member_state=member_state
        ),
        "member_state": member_state,
        "periods": periods,
        "as_of": as_of,
        "today": today,
        "rollups": rollups,
        "headline": headline,
        "axis_chart": axis_chart,
        "late_actions": selectors.late_actions_summary_for_user(
            user=request.user,
            plan=plan,
            today=today,
            member_state=member_state,
            limit=LATE_ACTIONS_SHOWN,
        ),
        "late_reports": matrix.late,
        "indicators": indicator_achievements_for_user(
            user=request.user, plan=plan, as_of=as_of, indicators=list(indicator_page)
        )
        if as_of is not None
        else [],
        "indicator_page": indicator_page,
        "states": selectors.member_states_of(plan),
        "status_colours": charts.STATUS_COLOURS,
    }


def _as_of(request: HttpRequest, periods: list[Any], today: dt.date) -> Any:
    """The period asked (``?periode=<uid>``), else the latest one that has started."""
    wanted = request.GET.get("periode", "")
    for period in periods:
        if str(period.uid) == wanted:
            return period
    started = [period for period in periods if period.start <= today]
    return started[-1] if started else (periods[0] if periods else None)


@require_GET
def dashboard(request: HttpRequest, plan_uid: str) -> HttpResponse:
    plan = access_monitored_plan(request.user, plan_uid)
    raise_page_marking(request, plan.classification)
    return render(request, "monitoring/dashboard.html", _dashboard_context(request, plan, None))


@require_GET
def state_dashboard(request: HttpRequest, plan_uid: str, state_code: str) -> HttpResponse:
    plan = access_monitored_plan(request.user, plan_uid)
    state = get_object_or_404(MemberState, alliance_id=plan.alliance_id, code=state_code.upper())
    raise_page_marking(request, plan.classification)
    return render(request, "monitoring/dashboard.html", _dashboard_context(request, plan, state))


@require_http_methods(["GET", "POST"])
def periods(request: HttpRequest, plan_uid: str) -> HttpResponse:
    plan = access_monitored_plan(request.user, plan_uid)
    can_manage = can(request.user, "monitoring.manage_periods", plan)
    settings_row = services.monitoring_settings_of(plan)
    settings_form = SettingsForm(
        request.POST if request.method == "POST" else None,
        initial={
            "period_months": settings_row.period_months,
            "report_due_days": settings_row.report_due_days,
            "weighting": settings_row.weighting,
        },
    )
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if request.POST.get("generate"):
            created = services.period_generate(plan=plan, actor=_actor(request))
            messages.success(request, _("%(count)s period(s) created.") % {"count": len(created)})
            return redirect("monitoring:periods", plan_uid=plan.uid)
        if settings_form.is_valid():
            services.monitoring_settings_update(
                plan=plan, actor=_actor(request), **settings_form.cleaned_data
            )
            messages.success(request, _("Monitoring settings saved."))
            return redirect("monitoring:periods", plan_uid=plan.uid)
    raise_page_marking(request, plan.classification)
    return render(
        request,
        "monitoring/periods.html",
        {
            "plan": plan,
            "matrix": selectors.report_matrix(plan=plan),
            "today": timezone.localdate(),
            "can_manage": can_manage,
            "settings_form": settings_form,
            "reopen_form": ReopenForm(),
            "reporter_state_ids": [
                state.pk
                for state in selectors.member_states_of(plan)
                if can_report_for(request.user, state.pk)
            ],
        },
    )


@require_POST
def period_close(request: HttpRequest, period_uid: str) -> HttpResponse:
    period = access_period(request.user, period_uid, write=True)
    try:
        services.period_close(period=period, actor=_actor(request))
        messages.success(request, _("The period %(label)s is closed.") % {"label": period.label})
    except StaleReport as error:
        messages.error(request, str(error))
    return redirect("monitoring:periods", plan_uid=period.plan.uid)


@require_POST
def period_reopen(request: HttpRequest, period_uid: str) -> HttpResponse:
    period = access_period(request.user, period_uid, write=True)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the period is reopened."))
        return redirect("monitoring:periods", plan_uid=period.plan.uid)
    try:
        services.period_reopen(
            period=period, actor=_actor(request), reason=form.cleaned_data["reason"]
        )
        messages.success(
            request, _("The period %(label)s is open again.") % {"label": period.label}
        )
    except (StaleReport, ValidationError) as error:
        messages.error(
            request, str(error) if isinstance(error, StaleReport) else _errors_as_text(error)
        )
    return redirect("monitoring:periods", plan_uid=period.plan.uid)


@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, period_uid: str, state_code: str) -> HttpResponse:
    """The state's report for the period: one form, saved as a draft or submitted whole."""
    period = access_period(request.user, period_uid)
    plan = period.plan
    state = get_object_or_404(MemberState, alliance_id=plan.alliance_id, code=state_code.upper())
    report = period.reports.filter(member_state=state).first()
    if not can_report_for(request.user, state.pk):
        if report is not None and may_read_report(request.user, report):
            return redirect("monitoring:report-detail", report_uid=report.uid)
        raise PermissionDenied
    entries = selectors.report_lines_for_user(
        user=request.user, plan=plan, member_state=state, report=report
    )
    form = ReportForm(entries, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            lines = form.parse()
            if form.errors:
                raise ValidationError(form.errors)
            if report is None:
                report = services.report_open(
                    period=period, member_state=state, actor=_actor(request)
                )
                form.lock_version = report.lock_version
            report = services.report_save(
                report=report, actor=_actor(request), lock_version=form.lock_version, lines=lines
            )
            if request.POST.get("submit"):
                report = services.report_submit(
                    report=report, actor=_actor(request), lock_version=report.lock_version
                )
                messages.success(request, _("The report is submitted to the secretariat."))
                return redirect("monitoring:report-detail", report_uid=report.uid)
            messages.success(request, _("Draft saved."))
            return redirect("monitoring:report-edit", period_uid=period.uid, state_code=state.code)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_errors(error.message_dict)
            else:
                form.errors.setdefault("__all__", []).extend(error.messages)
        except StaleReport as error:
            form.errors.setdefault("__all__", []).append(str(error))
        status = 409 if "__all__" in form.errors and report is not None else 400
        return _render_report_form(request, period, state, report, form, status=status)
    return _render_report_form(request, period, state, report, form)


def _render_report_form(
    request: HttpRequest,
    period: Any,
    state: MemberState,
    report: Any,
    form: ReportForm,
    *,
    status: int = 200,
) -> HttpResponse:
    raise_page_marking(request, period.plan.classification)
    for entry in form.entries:
        raise_page_marking(request, entry.action.classification)
    editable = (report is None or report.is_editable) and period.is_open
    return render(
        request,
        "monitoring/report_form.html",
        {
            "period": period,
            "plan": period.plan,
            "member_state": state,
            "report": report,
            "form": form,
            "editable": editable,
            "evidence_form": EvidenceForm(),
            "general_evidence": selectors.report_evidence(report) if report else [],
            "max_mb": max_evidence_bytes() // (1024 * 1024),
        },
        status=status,
    )


@require_GET
def report_detail(request: HttpRequest, report_uid: str) -> HttpResponse:
    report = access_report(request.user, report_uid)
    entries = selectors.report_lines_for_user(
        user=request.user,
        plan=report.period.plan,
        member_state=report.member_state,
        report=report,
    )
    raise_page_marking(request, report.period.plan.classification)
    for entry in entries:
        raise_page_marking(request, entry.action.classification)
    return render(
        request,
        "monitoring/report_detail.html",
        {
            "report": report,
            "period": report.period,
            "plan": report.period.plan,
            "entries": [entry for entry in entries if entry.line is not None],
            "can_review": report.status == ReportStatus.SUBMITTED
            and can(request.user, "monitoring.review_report", report),
            "can_revise": report.status == ReportStatus.ACCEPTED
            and can_report_for(request.user, report.member_state_id),
            "can_edit": report.is_editable and can_report_for(request.user, report.member_state_id),
            "review_form": ReviewForm(initial={"lock_version": report.lock_version}),
            "revision_form": RevisionForm(initial={"lock_version": report.lock_version}),
            "general_evidence": selectors.report_evidence(report),
        },
    )


@require_POST
def report_review(request: HttpRequest, report_uid: str) -> HttpResponse:
    report = access_report(request.user, report_uid)
    if not can(request.user, "monitoring.review_report", report):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or to return the report."))
        return redirect("monitoring:report-detail", report_uid=report.uid)
    entries = selectors.report_lines_for_user(
        user=request.user, plan=report.period.plan, member_state=report.member_state, report=report
    )
    comments = {
        entry.action: request.POST.get(f"{entry.action.uid}-review_comment", "")
        for entry in entries
        if entry.line is not None
    }
    try:
        services.report_review(
            report=report,
            actor=_actor(request),
            lock_version=form.cleaned_data["lock_version"],
            accept=form.cleaned_data["decision"] == "accept",
            reason=form.cleaned_data["reason"],
            line_comments=comments,
        )
        messages.success(request, _("Review recorded."))
    except ValidationError as error:
        messages.error(request, _errors_as_text(error))
    except StaleReport as error:
        messages.error(request, str(error))
    return redirect("monitoring:report-detail", report_uid=report.uid)


@require_POST
def report_revise(request: HttpRequest, report_uid: str) -> HttpResponse:
    report = access_report(request.user, report_uid, write=True)
    form = RevisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the accepted report is corrected."))
        return redirect("monitoring:report-detail", report_uid=report.uid)
    try:
        report = services.report_revise(
            report=report,
            actor=_actor(request),
            lock_version=form.cleaned_data["lock_version"],
            reason=form.cleaned_data["reason"],
        )
    except (ValidationError, StaleReport) as error:
        messages.error(
            request, str(error) if isinstance(error, StaleReport) else _errors_as_text(error)
        )
        return redirect("monitoring:report-detail", report_uid=report.uid)
    return redirect(
        "monitoring:report-edit", period_uid=report.period.uid, state_code=report.member_state.code
    )


def _evidence_body_limit() -> int:
    return max_evidence_bytes() + 64 * 1024


def _evidence_too_large() -> str:
    return _("The file is too large: %(size)s MB at most.") % {
        "size": max_evidence_bytes() // (1024 * 1024)
    }


@body_limit(_evidence_body_limit, _evidence_too_large)
@require_POST
def evidence_upload(request: HttpRequest, report_uid: str) -> HttpResponse:
    report = access_report(request.user, report_uid, write=True)
    back = reverse(
        "monitoring:report-edit",
        kwargs={"period_uid": report.period.uid, "state_code": report.member_state.code},
    )
    # An oversized upload never gets here: @body_limit refuses it before the body is read.
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
        return redirect(back)
    upload = form.cleaned_data["file"]
    line = None
    if form.cleaned_data["line"]:
        line = report.lines.filter(action__uid=form.cleaned_data["line"]).first()
    try:
        services.evidence_add(
            report=report,
            actor=_actor(request),
            name=upload.name,
            size=upload.size,
            stream=upload.file,
            line=line,
        )
        messages.success(request, _("File added."))
    except ValidationError as error:
        messages.error(request, _errors_as_text(error))
    return redirect(back)


@require_GET
def evidence_download(request: HttpRequest, evidence_uid: str) -> FileResponse:
    evidence = access_evidence(request.user, evidence_uid)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def period_targets(request: HttpRequest, period_uid: str) -> HttpResponse:
    """The secretariat sets the period's target of each indicator (all saved, or none)."""
    period = access_period(request.user, period_uid, write=True)
    indicators = list(
        Indicator.objects.filter(
            plan=period.plan, action__in=Action.objects.visible_to(request.user)
        )
        .select_related("action")
        .order_by("action__position", "position", "pk")
    )
    saved = {target.indicator_id: target for target in period.targets.all()}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            with transaction.atomic():
                for indicator in indicators:
                    name = f"target-{indicator.uid}"
                    value = request.POST.get(name, "").strip()
                    current = saved.get(indicator.pk)
                    before = _target_text(current)
                    if value == before:
                        continue
                    try:
                        services.indicator_target_set(
                            period=period,
                            indicator=indicator,
                            actor=_actor(request),
                            value=value if indicator.measure != "qualitative" else None,
                            text=value if indicator.measure == "qualitative" else "",
                        )
                    except ValidationError as error:
                        errors[name] = error.messages
                if errors:
                    raise ValidationError(errors)
            messages.success(request, _("Targets saved."))
            return redirect("monitoring:period-targets", period_uid=period.uid)
        except ValidationError:
            pass
    rows = [
        {
            "indicator": indicator,
            "name": f"target-{indicator.uid}",
            "value": request.POST.get(f"target-{indicator.uid}", "")
            if request.method == "POST"
            else _target_text(saved.get(indicator.pk)),
            "errors": errors.get(f"target-{indicator.uid}", []),
        }
        for indicator in indicators
    ]
    raise_page_marking(request, period.plan.classification)
    for indicator in indicators:
        raise_page_marking(request, indicator.action.classification)
    return render(
        request,
        "monitoring/targets.html",
        {"period": period, "plan": period.plan, "rows": rows},
        status=400 if errors else 200,
    )


def _target_text(target: Any) -> str:
    if target is None:
        return ""
    if target.value is not None:
        return format(target.value.normalize(), "f")
    return str(target.text)


@require_GET
def data_xlsx(request: HttpRequest, plan_uid: str) -> HttpResponse:
    """The underlying data of the dashboard, as the user may see it, in a workbook."""
    plan = access_monitored_plan(request.user, plan_uid)
    response = HttpResponse(
        monitoring_xlsx(user=request.user, plan=plan),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="suivi.xlsx"'
    return response


@require_GET
def action_progress(request: HttpRequest, plan_uid: str, action_uid: str) -> HttpResponse:
    plan = access_monitored_plan(request.user, plan_uid)
    action = access_action(request.user, plan, action_uid)
    history = selectors.action_history_for_user(user=request.user, action=action)
    lead_points = [
        (point.period.label, point.member_state_code, point.percent, point.status)
        for point in history
        if point.report.status == ReportStatus.ACCEPTED
    ]
    raise_page_marking(request, plan.classification)
    raise_page_marking(request, action.classification)
    return render(
        request,
        "monitoring/action_progress.html",
        {
            "plan": plan,
            "action": action,
            "history": history,
            "chart": charts.percent_column_chart(
                lead_points, title=_("Accepted progress, period by period")
            ),
            "status_colours": charts.STATUS_COLOURS,
        },
    )


PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _quarterly(request: HttpRequest, period_uid: str) -> QuarterlyReport:
    period = access_period(request.user, period_uid)
    language = report_language(request.GET.get("lang"))
    return quarterly_report_for_user(user=request.user, period=period, language=language)


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # marked documents stay out of shared caches
    return response


@require_GET
def quarterly_pdf(request: HttpRequest, period_uid: str) -> HttpResponse:
    """The period's quarterly report (French; ``?lang=en`` for English)."""
    report = _quarterly(request, period_uid)
    return _attachment(render_quarterly_pdf(report), PDF, f"{report.file_stem}.pdf")


@require_GET
def quarterly_docx(request: HttpRequest, period_uid: str) -> HttpResponse:
    report = _quarterly(request, period_uid)
    return _attachment(render_quarterly_docx(report), DOCX, f"{report.file_stem}.docx")
