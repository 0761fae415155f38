"""Pages of the meetings app (/reunions/): thin views over selectors and services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liptako.core.links import absolute_url
from liptako.core.marking import raise_page_marking
from liptako.core.models import MarkingLevel
from liptako.meetings import selectors, services
from liptako.meetings.exports import communique_docx, communique_text, minutes_docx
from liptako.meetings.forms import (
    AgendaItemForm,
    AttendanceForm,
    CommuniqueForm,
    DecisionForm,
    FollowUpStatusForm,
    MeetingFilterForm,
    MeetingForm,
    MinutesSectionForm,
    QuorumRuleForm,
    apply_service_errors,
)
from liptako.meetings.ics import calendar_event_for, render_ics
from liptako.meetings.markdown import render_markdown
from liptako.meetings.models import (
    AgendaItem,
    Attendance,
    CommuniqueStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MinutesStatus,
)
from liptako.meetings.pdf import render_communique_pdf, render_minutes_pdf
from liptako.meetings.permissions import (
    access_communique,
    access_meeting,
    access_meeting_decision,
    can_manage_meetings,
)

# The feed holds the latest meetings (by start); calendar programs need no more.
FEED_LIMIT = 1000


def _require_viewer(request: HttpRequest) -> None:
    if not request.user.has_perm("meetings.view_meeting"):
        raise PermissionDenied


def _filters(request: HttpRequest) -> tuple[MeetingFilterForm, selectors.MeetingFilters]:
    form = MeetingFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        state = data.get("member_state")
        return form, selectors.MeetingFilters(
            kind=data.get("kind") or "",
            member_state_id=state.pk if state else None,
            status=data.get("status") or "",
            sort=data.get("sort") or "-date",
        )
    return form, selectors.MeetingFilters()


@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    form, filters = _filters(request)
    meetings = selectors.meeting_list_for_user(user=request.user, filters=filters)
    page = Paginator(meetings, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "sort": filters.sort,
        "can_manage": can_manage_meetings(request.user),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "meetings/_meeting_results.html", context)
    return render(request, "meetings/meeting_list.html", context)


@require_GET
def meeting_calendar(request: HttpRequest) -> HttpResponse:
    """A month of meetings: a grid, and the same meetings as a list below it."""
    _require_viewer(request)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        month = int(request.GET.get("month", today.month))
        first = dt.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    form, filters = _filters(request)
    weeks = selectors.calendar_month(
        user=request.user, year=first.year, month=first.month, filters=filters
    )
    month_meetings: list[Meeting] = []
    for week in weeks:
        for day in week:
            for meeting in day.meetings:
                if day.in_month and meeting not in month_meetings:
                    month_meetings.append(meeting)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "meetings/calendar.html",
        {
            "form": form,
            "weeks": weeks,
            "month": first,
            "previous": previous,
            "following": following,
            "month_meetings": month_meetings,
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    if not can_manage_meetings(request.user):
        raise PermissionDenied
    form = MeetingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        alliance = _alliance()
        try:
            meeting = services.meeting_create(
                actor=request.user,  # type: ignore[arg-type]
                alliance=alliance,
                title=data["title"],
                kind=data["kind"],
                purpose=data["purpose"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                timezone_name=data["timezone"],
                city=data["city"],
                venue=data["venue"],
                host_state=data["host_state"],
                chair=data["chair"],
                secretary=data["secretary"],
                classification=data["classification"],
                releasable_to=data["releasable_to"],
                preparatory_meeting=data["preparatory_meeting"],
                plan=data["plan"],
                plan_version=data["plan_version"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The meeting is planned."))
            return redirect("meetings:meeting-detail", meeting.uuid)
    return render(
        request,
        "meetings/form.html",
        {
            "form": form,
            "title": _("Plan a meeting"),
            "cancel_url": reverse("meetings:meeting-list"),
        },
    )


def _alliance() -> Any:
    from liptako.alliance.models import Alliance

    alliance = Alliance.objects.order_by("pk").first()
    if alliance is None:
        raise Http404
    return alliance


@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, meeting_uuid: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    form = MeetingForm(request.POST or None, instance=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {name: data[name] for name in services.MEETING_FIELDS if name in data}
        changes["timezone"] = data["timezone"]
        try:
            services.meeting_update(
                actor=request.user,  # type: ignore[arg-type]
                meeting=Meeting.objects.get(pk=meeting.pk),
                revision=data.get("revision") or 0,
                changes=changes,
                releasable_to=data["releasable_to"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The meeting is saved."))
            return redirect("meetings:meeting-detail", meeting.uuid)
    return render(
        request,
        "meetings/form.html",
        {
            "form": form,
            "title": _("Edit the meeting"),
            "meeting": meeting,
            "cancel_url": reverse("meetings:meeting-detail", args=[meeting.uuid]),
        },
    )


@require_GET
def meeting_detail(request: HttpRequest, meeting_uuid: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid)
    raise_page_marking(request, meeting.classification)
    minutes = selectors.minutes_for_meeting(meeting=meeting)
    sections = {s.agenda_item_id: s for s in minutes.sections.all()} if minutes else {}
    agenda = list(selectors.agenda_for_meeting(meeting=meeting, user=request.user))
    can_manage = can_manage_meetings(request.user)
    context = {
        "meeting": meeting,
        "agenda": agenda,
        "minutes": minutes,
        "minutes_rows": [
            (item, sections.get(item.pk), render_markdown(sections[item.pk].body))
            if item.pk in sections
            else (item, None, "")
            for item in agenda
        ],
        "delegations": selectors.delegations_for_meeting(meeting=meeting),
        "quorum": selectors.quorum_status(meeting=meeting),
        "decisions": selectors.decisions_for_meeting(user=request.user, meeting=meeting),
        "communiques": list(meeting.communiques.all()),
        "can_manage": can_manage,
        "chair_position": selectors.current_position_of(meeting.chair_id),
        "plan": selectors.linked_plan_for_user(user=request.user, meeting=meeting),
        "next_statuses": [
            MeetingStatus(status)
            for status in (MeetingStatus.CONVENED, MeetingStatus.HELD, MeetingStatus.CANCELLED)
            if meeting.can_move_to(status)
        ],
        "local_start": timezone.localtime(meeting.starts_at, meeting.zone),
        "local_end": timezone.localtime(meeting.ends_at, meeting.zone),
        "MinutesStatus": MinutesStatus,
    }
    return render(request, "meetings/meeting_detail.html", context)


@require_POST
def meeting_transition(request: HttpRequest, meeting_uuid: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    try:
        services.meeting_transition(
            actor=request.user,  # type: ignore[arg-type]
            meeting=meeting,
            to_status=request.POST.get("to", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The meeting is now “%(status)s”.") % {"status": meeting.get_status_display()},
        )
    return redirect("meetings:meeting-detail", meeting.uuid)


@require_POST
def meeting_invitations_resend(request: HttpRequest, meeting_uuid: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    try:
        sent = services.meeting_invitations_resend(actor=request.user, meeting=meeting)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(count)d invitations sent.") % {"count": sent})
    return redirect("meetings:meeting-detail", meeting.uuid)


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@never_cache  # marked content stays out of shared caches (decision 0107)
@require_GET
def minutes_export(request: HttpRequest, meeting_uuid: str, fmt: str) -> HttpResponse:
    """The minutes and decisions as DOCX or PDF, with what this reader may see and its marking."""
    meeting = access_meeting(request.user, meeting_uuid)
    document = selectors.minutes_document_for_user(user=request.user, meeting=meeting)
    if fmt == "pdf":
        response = HttpResponse(render_minutes_pdf(document), content_type="application/pdf")
    else:
        response = HttpResponse(minutes_docx(document), content_type=DOCX_TYPE)
    filename = f"proces-verbal-{meeting.starts_at:%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def meeting_ics(request: HttpRequest, meeting_uuid: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid)
    url = absolute_url(reverse("meetings:meeting-detail", args=[meeting.uuid]))
    body = render_ics([calendar_event_for(meeting, url=url)], method="PUBLISH")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.uuid}.ics"'
    return response


# --- Agenda -------------------------------------------------------------------------------------


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    return get_object_or_404(AgendaItem, pk=item_id, meeting=meeting)


@require_http_methods(["GET", "POST"])
def agenda_item_add(request: HttpRequest, meeting_uuid: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    form = AgendaItemForm(request.POST or None, meeting=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_item_add(actor=request.user, meeting=meeting, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#agenda")
    return _form_page(request, meeting, form, _("Add an agenda item"))


@require_http_methods(["GET", "POST"])
def agenda_item_edit(request: HttpRequest, meeting_uuid: str, item_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    item = _item(meeting, item_id)
    initial = {
        "title": item.title,
        "presenter": item.presenter_id,
        "planned_minutes": item.planned_minutes,
        "is_publishable": item.is_publishable,
        "plan_version": item.plan_version_id,
        "actions": list(item.actions.values_list("pk", flat=True)),
    }
    form = AgendaItemForm(request.POST or None, initial=initial, meeting=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_item_update(actor=request.user, item=item, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#agenda")
    return _form_page(request, meeting, form, _("Edit the agenda item"))


@require_POST
def agenda_item_move(request: HttpRequest, meeting_uuid: str, item_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    item = _item(meeting, item_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        services.agenda_item_move(actor=request.user, item=item, offset=offset)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#agenda")


@require_POST
def agenda_reorder(request: HttpRequest, meeting_uuid: str) -> HttpResponse:
    """The whole order at once (``item`` repeated in the new order), e.g. from drag and drop."""
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    try:
        item_ids = [int(value) for value in request.POST.getlist("item")]
        services.agenda_reorder(actor=request.user, meeting=meeting, item_ids=item_ids)  # type: ignore[arg-type]
    except ValueError:
        messages.error(request, _("The new order could not be read."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#agenda")


@require_POST
def agenda_item_remove(request: HttpRequest, meeting_uuid: str, item_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    try:
        services.agenda_item_remove(actor=request.user, item=_item(meeting, item_id))  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#agenda")


def _form_page(
    request: HttpRequest, meeting: Meeting, form: Any, title: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "meetings/form.html",
        {
            "form": form,
            "title": title,
            "meeting": meeting,
            "cancel_url": reverse("meetings:meeting-detail", args=[meeting.uuid]),
            **extra,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --- Attendance ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def attendance_add(request: HttpRequest, meeting_uuid: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    form = AttendanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_record(actor=request.user, meeting=meeting, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(
                reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#delegations"
            )
    return _form_page(request, meeting, form, _("Add to a delegation"))


@require_http_methods(["GET", "POST"])
def attendance_edit(request: HttpRequest, meeting_uuid: str, attendance_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    attendance = get_object_or_404(Attendance, pk=attendance_id, meeting=meeting)
    initial = {
        "member_state": attendance.member_state_id,
        "person": attendance.person_id,
        "is_head_of_delegation": attendance.is_head_of_delegation,
        "is_guest": attendance.is_guest,
        "role": attendance.role,
        "presence": attendance.presence,
        "represented_by": attendance.represented_by_id,
        "is_publishable": attendance.is_publishable,
    }
    form = AttendanceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["person"].pk != attendance.person_id:
            form.add_error("person", _("Remove this line and add the other person instead."))
        else:
            try:
                services.attendance_record(actor=request.user, meeting=meeting, **form.cleaned_data)  # type: ignore[arg-type]
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                return redirect(
                    reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#delegations"
                )
    return _form_page(request, meeting, form, _("Attendance"))


@require_POST
def attendance_remove(request: HttpRequest, meeting_uuid: str, attendance_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    attendance = get_object_or_404(Attendance, pk=attendance_id, meeting=meeting)
    try:
        services.attendance_remove(actor=request.user, attendance=attendance)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#delegations")


# --- Decisions and follow-ups ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def decision_add(request: HttpRequest, meeting_uuid: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    form = DecisionForm(request.POST or None, meeting=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("revision", None)
        try:
            services.meeting_decision_take(actor=request.user, meeting=meeting, **data)  # type: ignore[arg-type]
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#decisions")
    return _form_page(request, meeting, form, _("Record a decision"))


@require_http_methods(["GET", "POST"])
def decision_edit(request: HttpRequest, decision_uuid: str) -> HttpResponse:
    decision = access_meeting_decision(request.user, decision_uuid, write=True)
    meeting = access_meeting(request.user, decision.meeting.uuid, write=True)
    initial = {
        "revision": decision.revision,
        "kind": decision.kind,
        "text": decision.text,
        "agenda_item": decision.agenda_item_id,
        "classification": decision.classification_id,
        "is_publishable": decision.is_publishable,
        "follow_up": decision.follow_up,
        "follow_up_person": decision.follow_up_person_id,
        "follow_up_state": decision.follow_up_state_id,
        "due_date": decision.due_date,
        "plan_version": decision.plan_version_id,
        "actions": list(decision.actions.values_list("pk", flat=True)),
    }
    form = DecisionForm(request.POST or None, initial=initial, meeting=meeting, user=request.user)
    form.fields.pop("releasable_to")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        revision = data.pop("revision") or 0
        try:
            services.meeting_decision_update(
                actor=request.user,  # type: ignore[arg-type]
                decision=decision,
                revision=revision,
                changes=data,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#decisions")
    raise_page_marking(request, decision.classification)
    return _form_page(
        request, meeting, form, _("Edit decision %(reference)s") % {"reference": decision.reference}
    )


@require_POST
def follow_up_status(request: HttpRequest, decision_uuid: str) -> HttpResponse:
    decision = access_meeting_decision(request.user, decision_uuid, write=True)
    form = FollowUpStatusForm(request.POST)
    if form.is_valid():
        services.follow_up_set_status(
            actor=request.user,  # type: ignore[arg-type]
            decision=decision,
            status=form.cleaned_data["status"],
        )
        messages.success(
            request,
            _("The follow-up of %(reference)s is updated.") % {"reference": decision.reference},
        )
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("meetings:follow-up-list")


@require_GET
def follow_up_list(request: HttpRequest) -> HttpResponse:
    """Open follow-ups the user may see, overdue first (``?all=1``: every status)."""
    _require_viewer(request)
    status = "" if request.GET.get("all") else "open"
    follow_ups = selectors.follow_up_list_for_user(user=request.user, status=status)
    page = Paginator(follow_ups, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/follow_up_list.html",
        {
            "page": page,
            "today": timezone.localdate(),
            "show_all": not status,
            "can_manage": can_manage_meetings(request.user),
            "status_form": FollowUpStatusForm(),
        },
    )


# --- Minutes ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def minutes_section_edit(request: HttpRequest, meeting_uuid: str, item_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    item = _item(meeting, item_id)
    minutes = selectors.minutes_for_meeting(meeting=meeting)
    section = minutes.sections.filter(agenda_item=item).first() if minutes else None
    if minutes is not None and minutes.status != MinutesStatus.DRAFT:
        messages.error(request, _("Only draft minutes can be changed."))
        return redirect(reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#minutes")
    initial = {
        "body": section.body if section else "",
        "revision": section.revision if section else 0,
    }
    form = MinutesSectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_section_save(
                actor=request.user,  # type: ignore[arg-type]
                meeting=meeting,
                agenda_item=item,
                body=form.cleaned_data["body"],
                revision=form.cleaned_data.get("revision"),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#minutes")
    preview = render_markdown(str(form.data.get("body", "") if form.is_bound else initial["body"]))
    return _form_page(
        request, meeting, form, _("Minutes: %(item)s") % {"item": item.title}, preview=preview
    )


@require_POST
def minutes_transition(request: HttpRequest, meeting_uuid: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    try:
        services.minutes_transition(
            actor=request.user,  # type: ignore[arg-type]
            meeting=meeting,
            to_status=request.POST.get("to", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#minutes")


# --- Communiqués --------------------------------------------------------------------------------


def _language(value: str) -> str:
    if value not in dict(settings.LANGUAGES):
        raise Http404
    return value


@require_POST
def communique_generate(request: HttpRequest, meeting_uuid: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    language = _language(request.POST.get("language", "fr"))
    try:
        services.communique_generate(actor=request.user, meeting=meeting, language=language)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#communique")
    return redirect("meetings:communique-detail", meeting.uuid, language)


@require_http_methods(["GET", "POST"])
def communique_detail(request: HttpRequest, meeting_uuid: str, language: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid)
    communique = access_communique(request.user, meeting, _language(language))
    can_manage = can_manage_meetings(request.user)
    is_draft = communique.status == CommuniqueStatus.DRAFT
    form = None
    if can_manage and is_draft:
        form = CommuniqueForm(
            request.POST or None,
            initial={
                "revision": communique.revision,
                "title": communique.title,
                "body": communique.body,
                "source": communique.source,
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.communique_update(
                    actor=request.user,  # type: ignore[arg-type]
                    communique=communique,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The communiqué is saved."))
                return redirect("meetings:communique-detail", meeting.uuid, language)
    elif request.method == "POST":
        raise PermissionDenied
    raise_page_marking(request, MarkingLevel.lowest())
    return render(
        request,
        "meetings/communique.html",
        {
            "meeting": meeting,
            "communique": communique,
            "form": form,
            "can_manage": can_manage,
            "paragraphs": communique.body.split("\n\n"),
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@require_POST
def communique_approve(request: HttpRequest, meeting_uuid: str, language: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid, write=True)
    communique = access_communique(request.user, meeting, _language(language), write=True)
    try:
        services.communique_approve(actor=request.user, communique=communique)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The communiqué is approved."))
    return redirect("meetings:communique-detail", meeting.uuid, language)


@never_cache  # a draft is not public yet: kept out of shared caches too
@require_GET
def communique_export(
    request: HttpRequest, meeting_uuid: str, language: str, fmt: str
) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_uuid)
    communique = access_communique(request.user, meeting, _language(language))
    filename = f"communique-{meeting.starts_at:%Y-%m-%d}-{language}"
    if fmt == "txt":
        response = HttpResponse(
            communique_text(communique), content_type="text/plain; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.txt"'
        return response
    # The communiqué holds public content only (decision 0064): the lowest marking.
    marking = MarkingLevel.lowest().label
    if fmt == "docx":
        response = HttpResponse(
            communique_docx(communique, marking=marking), content_type=DOCX_TYPE
        )
    elif fmt == "pdf":
        response = HttpResponse(
            render_communique_pdf(communique, marking=marking), content_type="application/pdf"
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


# --- Quorum ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def quorum_settings(request: HttpRequest) -> HttpResponse:
    """The delegations each kind of meeting needs; one small form per kind."""
    if not can_manage_meetings(request.user):
        raise PermissionDenied
    alliance = _alliance()
    bound = QuorumRuleForm(request.POST) if request.method == "POST" else None
    if bound is not None and bound.is_valid():
        try:
            services.quorum_rule_set(
                actor=request.user,  # type: ignore[arg-type]
                alliance=alliance,
                **bound.cleaned_data,
            )
        except ValidationError as error:
            apply_service_errors(bound, error)
        else:
            messages.success(
                request,
                _("The quorum of “%(kind)s” is saved.")
                % {"kind": MeetingKind(bound.cleaned_data["kind"]).label},
            )
            return redirect("meetings:quorum-settings")
    rows = [
        (
            setting,
            bound
            if bound is not None and bound.data.get("kind") == setting.kind.value
            else QuorumRuleForm(
                initial={
                    "kind": setting.kind.value,
                    "minimum_delegations": setting.minimum_delegations,
                }
            ),
        )
        for setting in selectors.quorum_settings(alliance=alliance)
    ]
    return render(
        request,
        "meetings/quorum_settings.html",
        {"rows": rows, "states": alliance.member_states.count()},
        status=400 if bound is not None and bound.errors else 200,
    )


# --- Calendar feed ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def calendar_feed_settings(request: HttpRequest) -> HttpResponse:
    """Create (or replace) and revoke the user's secret calendar feed URL."""
    _require_viewer(request)
    feed_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_feed_token_revoke(actor=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Your calendar feed address no longer works."))
            return redirect("meetings:calendar-feed-settings")
        token = services.calendar_feed_token_create(actor=request.user)  # type: ignore[arg-type]
        feed_url = absolute_url(reverse("meetings:calendar-feed", args=[token]))
    has_feed = request.user.calendar_feed_tokens.filter(revoked_at__isnull=True).exists()  # type: ignore[union-attr]
    return render(
        request, "meetings/calendar_feed.html", {"feed_url": feed_url, "has_feed": has_feed}
    )


@login_not_required
@never_cache
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Every meeting the token's owner may see, as iCalendar (authenticated by the token)."""
    user = services.calendar_feed_user(token)
    if user is None:
        raise Http404
    lowest = MarkingLevel.lowest()
    meetings = selectors.meeting_list_for_user(
        user=user, filters=selectors.MeetingFilters(sort="-date")
    )[:FEED_LIMIT]
    with translation.override(user.language):
        events = [
            calendar_event_for(
                meeting,
                url=absolute_url(reverse("meetings:meeting-detail", args=[meeting.uuid])),
                lowest=lowest,
            )
            for meeting in meetings
        ]
    body = render_ics(events, method="PUBLISH", name="Liptako")
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
