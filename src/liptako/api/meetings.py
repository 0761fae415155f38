"""API operations of the meetings app (thin adapters over its services and selectors).

Reads for everyone who may see the meeting (``visible_to``); writes for the secretariat.
No ``from __future__ import annotations``: django-ninja reads the parameter types at run time.
"""

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from liptako.alliance.models import MemberState, Person
from liptako.core.links import absolute_url
from liptako.core.models import MarkingLevel
from liptako.meetings import selectors, services
from liptako.meetings.ics import calendar_event_for, render_ics
from liptako.meetings.models import (
    AgendaItem,
    DecisionKind,
    FollowUpStatus,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingStatus,
    Presence,
)
from liptako.meetings.permissions import access_meeting, access_meeting_decision
from liptako.plans.models import Action, PlanVersion

router = Router(tags=["meetings"])


class ErrorOut(Schema):
    detail: str


class PersonRef(Schema):
    id: int
    display_name: str


class MeetingOut(Schema):
    id: uuid.UUID
    title: str
    kind: str
    status: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    timezone: str
    city: str
    venue: str
    host_state: str | None
    classification: str
    ics_uid: str

    @staticmethod
    def resolve_id(meeting: Meeting) -> uuid.UUID:
        return meeting.uuid

    @staticmethod
    def resolve_host_state(meeting: Meeting) -> str | None:
        return meeting.host_state.code if meeting.host_state else None

    @staticmethod
    def resolve_classification(meeting: Meeting) -> str:
        return meeting.classification.code


class MeetingDetailOut(MeetingOut):
    purpose: str
    chair: PersonRef | None
    secretary: PersonRef | None
    releasable_to: list[str]
    quorum_required: int
    quorum_present: int
    quorum_reached: bool

    @staticmethod
    def resolve_releasable_to(meeting: Meeting) -> list[str]:
        return sorted(state.code for state in meeting.releasable_to.all())


class MeetingIn(Schema):
    title: str
    kind: MeetingKind
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    city: str
    timezone: str = "Africa/Bamako"
    purpose: str = ""
    venue: str = ""
    host_state: str | None = None
    chair_id: int | None = None
    classification: str | None = None
    releasable_to: list[str] = []


class StatusIn(Schema):
    to: str


class AgendaItemOut(Schema):
    id: int
    position: int
    title: str
    presenter: PersonRef | None
    planned_minutes: int | None
    is_publishable: bool


class AgendaItemIn(Schema):
    title: str
    presenter_id: int | None = None
    planned_minutes: int | None = None
    is_publishable: bool = False


class AgendaOrderIn(Schema):
    item_ids: list[int]


class AttendanceOut(Schema):
    id: int
    member_state: str
    person: PersonRef
    is_head_of_delegation: bool
    is_guest: bool
    role: str
    presence: str
    represented_by: PersonRef | None

    @staticmethod
    def resolve_member_state(attendance: Any) -> str:
        return attendance.member_state.code


class AttendanceIn(Schema):
    member_state: str
    person_id: int
    is_head_of_delegation: bool = False
    is_guest: bool = False
    role: str = ""
    presence: Presence = Presence.PRESENT
    represented_by_id: int | None = None
    is_publishable: bool = False


class DecisionOut(Schema):
    id: uuid.UUID
    reference: str
    number: int
    kind: str
    text: str
    agenda_item_id: int | None
    classification: str
    is_publishable: bool
    follow_up: str
    follow_up_person: PersonRef | None
    follow_up_state: str | None
    due_date: datetime.date | None
    follow_up_status: str
    meeting_id: uuid.UUID
    plan_version: int | None
    action_ids: list[uuid.UUID]

    @staticmethod
    def resolve_id(decision: MeetingDecision) -> uuid.UUID:
        return decision.uuid

    @staticmethod
    def resolve_plan_version(decision: MeetingDecision) -> int | None:
        return decision.plan_version.number if decision.plan_version else None

    @staticmethod
    def resolve_action_ids(decision: MeetingDecision) -> list[uuid.UUID]:
        # The selectors prefetch only the actions the caller may see.
        return [action.uid for action in decision.actions.all()]

    @staticmethod
    def resolve_meeting_id(decision: MeetingDecision) -> uuid.UUID:
        return decision.meeting.uuid

    @staticmethod
    def resolve_classification(decision: MeetingDecision) -> str:
        return decision.classification.code

    @staticmethod
    def resolve_follow_up_state(decision: MeetingDecision) -> str | None:
        return decision.follow_up_state.code if decision.follow_up_state else None


class DecisionIn(Schema):
    kind: DecisionKind
    text: str
    agenda_item_id: int | None = None
    classification: str | None = None
    is_publishable: bool = False
    follow_up: str = ""
    follow_up_person_id: int | None = None
    follow_up_state: str | None = None
    due_date: datetime.date | None = None
    plan_version: int | None = None
    action_ids: list[uuid.UUID] = []


class FollowUpStatusIn(Schema):
    status: FollowUpStatus


class MinutesSectionOut(Schema):
    agenda_item_id: int
    position: int
    title: str
    body: str
    revision: int


class MinutesOut(Schema):
    status: str
    digest: str
    approved_at: datetime.datetime | None
    sections: list[MinutesSectionOut]


class MinutesSectionIn(Schema):
    body: str
    revision: int | None = None


def _service_error(error: DjangoValidationError) -> HttpError:
    return HttpError(422, " ".join(error.messages))


def _state(code: str | None) -> MemberState | None:
    if not code:
        return None
    state = MemberState.objects.filter(code=code.upper()).first()
    if state is None:
        raise HttpError(422, f"Unknown member state: {code}")
    return state


def _person(person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise HttpError(422, f"Unknown person: {person_id}")
    return person


def _marking(code: str | None) -> MarkingLevel | None:
    if not code:
        return None
    level = MarkingLevel.objects.filter(code=code).first()
    if level is None:
        raise HttpError(422, f"Unknown marking: {code}")
    return level


def _plan_version(meeting: Meeting, number: int | None) -> PlanVersion | None:
    if number is None:
        return None
    if meeting.plan_id is None:
        raise HttpError(422, "The meeting has no plan.")
    version = PlanVersion.objects.filter(plan_id=meeting.plan_id, number=number).first()
    if version is None:
        raise HttpError(422, f"The meeting's plan has no version {number}.")
    return version


def _actions(request: HttpRequest, uids: list[uuid.UUID]) -> list[Action]:
    actions = list(Action.objects.visible_to(request.user).filter(uid__in=uids))
    if len(actions) != len(set(uids)):
        raise HttpError(422, "Unknown action.")
    return actions


def _decision_for(request: HttpRequest, decision_uuid: uuid.UUID) -> MeetingDecision:
    decision = access_meeting_decision(request.user, decision_uuid)
    return selectors.decisions_for_meeting(user=request.user, meeting=decision.meeting).get(
        pk=decision.pk
    )


def _detail(meeting: Meeting) -> Meeting:
    quorum = selectors.quorum_status(meeting=meeting)
    meeting.quorum_required = quorum.required  # type: ignore[attr-defined]
    meeting.quorum_present = quorum.present  # type: ignore[attr-defined]
    meeting.quorum_reached = quorum.is_reached  # type: ignore[attr-defined]
    return meeting


@router.get("", response=list[MeetingOut], summary="Meetings the caller may see")
@paginate(PageNumberPagination, page_size=settings.PAGE_SIZE)
def list_meetings(
    request: HttpRequest,
    kind: MeetingKind | None = None,
    member_state: str | None = None,
    status: MeetingStatus | None = None,
    sort: str = "-date",
) -> Any:
    if not request.user.has_perm("meetings.view_meeting"):
        raise HttpError(403, "You may not see meetings.")
    state = _state(member_state)
    filters = selectors.MeetingFilters(
        kind=kind.value if kind else "",
        member_state_id=state.pk if state else None,
        status=status.value if status else "",
        sort=sort,
    )
    return selectors.meeting_list_for_user(user=request.user, filters=filters)


@router.post(
    "", response={201: MeetingDetailOut, 403: ErrorOut, 422: ErrorOut}, summary="Plan a meeting"
)
def create_meeting(request: HttpRequest, payload: MeetingIn) -> Any:
    from liptako.alliance.models import Alliance

    alliance = Alliance.objects.order_by("pk").first()
    if alliance is None:
        raise Http404
    try:
        meeting = services.meeting_create(
            actor=request.user,  # type: ignore[arg-type]
            alliance=alliance,
            title=payload.title,
            kind=payload.kind.value,
            purpose=payload.purpose,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            timezone_name=payload.timezone,
            city=payload.city,
            venue=payload.venue,
            host_state=_state(payload.host_state),
            chair=_person(payload.chair_id),
            classification=_marking(payload.classification),
            releasable_to=[s for s in (_state(c) for c in payload.releasable_to) if s],
        )
    except DjangoValidationError as error:
        raise _service_error(error) from None
    return 201, _detail(access_meeting(request.user, meeting.uuid))


@router.get(
    "/follow-ups",
    response=list[DecisionOut],
    summary="Follow-ups of decisions the caller may see (open ones, overdue first)",
)
@paginate(PageNumberPagination, page_size=settings.PAGE_SIZE)
def list_follow_ups(
    request: HttpRequest, status: FollowUpStatus | None = FollowUpStatus.OPEN
) -> Any:
    return selectors.follow_up_list_for_user(
        user=request.user, status=status.value if status else ""
    )


@router.post(
    "/decisions/{uuid:decision_id}/follow-up",
    response={200: DecisionOut, 403: ErrorOut, 404: ErrorOut},
    summary="Set the status of a decision's follow-up",
)
def set_follow_up_status(
    request: HttpRequest, decision_id: uuid.UUID, payload: FollowUpStatusIn
) -> Any:
    decision = access_meeting_decision(request.user, decision_id, write=True)
    services.follow_up_set_status(
        actor=request.user,  # type: ignore[arg-type]
        decision=decision,
        status=payload.status.value,
    )
    return _decision_for(request, decision_id)


@router.get(
    "/{uuid:meeting_id}",
    response={200: MeetingDetailOut, 404: ErrorOut},
    summary="One meeting, with its quorum",
)
def get_meeting(request: HttpRequest, meeting_id: uuid.UUID) -> Any:
    return _detail(access_meeting(request.user, meeting_id))


@router.post(
    "/{uuid:meeting_id}/status",
    response={200: MeetingDetailOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Convene, record as held or cancel (invitations are mailed)",
)
def move_meeting(request: HttpRequest, meeting_id: uuid.UUID, payload: StatusIn) -> Any:
    meeting = access_meeting(request.user, meeting_id, write=True)
    try:
        services.meeting_transition(actor=request.user, meeting=meeting, to_status=payload.to)  # type: ignore[arg-type]
    except DjangoValidationError as error:
        raise _service_error(error) from None
    return _detail(access_meeting(request.user, meeting_id))


@router.get(
    "/{uuid:meeting_id}/ics", summary="The meeting as an iCalendar file", response={404: ErrorOut}
)
def meeting_ics(request: HttpRequest, meeting_id: uuid.UUID) -> Any:
    meeting = access_meeting(request.user, meeting_id)
    url = absolute_url(reverse("meetings:meeting-detail", args=[meeting.uuid]))
    response = HttpResponse(
        render_ics([calendar_event_for(meeting, url=url)], method="PUBLISH"),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.uuid}.ics"'
    return response


@router.get("/{uuid:meeting_id}/agenda", response={200: list[AgendaItemOut], 404: ErrorOut})
def get_agenda(request: HttpRequest, meeting_id: uuid.UUID) -> Any:
    return list(selectors.agenda_for_meeting(meeting=access_meeting(request.user, meeting_id)))


@router.post(
    "/{uuid:meeting_id}/agenda",
    response={201: AgendaItemOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Append an agenda item",
)
def add_agenda_item(request: HttpRequest, meeting_id: uuid.UUID, payload: AgendaItemIn) -> Any:
    meeting = access_meeting(request.user, meeting_id, write=True)
    try:
        item = services.agenda_item_add(
            actor=request.user,  # type: ignore[arg-type]
            meeting=meeting,
            title=payload.title,
            presenter=_person(payload.presenter_id),
            planned_minutes=payload.planned_minutes,
            is_publishable=payload.is_publishable,
        )
    except DjangoValidationError as error:
        raise _service_error(error) from None
    return 201, item


@router.put(
    "/{uuid:meeting_id}/agenda/order",
    response={200: list[AgendaItemOut], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Reorder the agenda (every item id, once, in the new order)",
)
def reorder_agenda(request: HttpRequest, meeting_id: uuid.UUID, payload: AgendaOrderIn) -> Any:
    meeting = access_meeting(request.user, meeting_id, write=True)
    try:
        services.agenda_reorder(actor=request.user, meeting=meeting, item_ids=payload.item_ids)  # type: ignore[arg-type]
    except DjangoValidationError as error:
        raise _service_error(error) from None
    return list(selectors.agenda_for_meeting(meeting=meeting))


@router.get("/{uuid:meeting_id}/attendance", response={200: list[AttendanceOut], 404: ErrorOut})
def get_attendance(request: HttpRequest, meeting_id: uuid.UUID) -> Any:
    return list(selectors.attendance_for_meeting(meeting=access_meeting(request.user, meeting_id)))


@router.post(
    "/{uuid:meeting_id}/attendance",
    response={201: AttendanceOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Add a person to a delegation (or update their line)",
)
def record_attendance(request: HttpRequest, meeting_id: uuid.UUID, payload: AttendanceIn) -> Any:
    meeting = access_meeting(request.user, meeting_id, write=True)
    person = _person(payload.person_id)
    state = _state(payload.member_state)
    try:
        attendance = services.attendance_record(
            actor=request.user,  # type: ignore[arg-type]
            meeting=meeting,
            member_state=state,  # type: ignore[arg-type]
            person=person,  # type: ignore[arg-type]
            is_head_of_delegation=payload.is_head_of_delegation,
            is_guest=payload.is_guest,
            role=payload.role,
            presence=payload.presence.value,
            represented_by=_person(payload.represented_by_id),
            is_publishable=payload.is_publishable,
        )
    except DjangoValidationError as error:
        raise _service_error(error) from None
    return 201, attendance


@router.get("/{uuid:meeting_id}/decisions", response={200: list[DecisionOut], 404: ErrorOut})
def get_decisions(request: HttpRequest, meeting_id: uuid.UUID) -> Any:
    meeting = access_meeting(request.user, meeting_id)
    return list(selectors.decisions_for_meeting(user=request.user, meeting=meeting))


@router.post(
    "/{uuid:meeting_id}/decisions",
    response={201: DecisionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record a decision (numbered per meeting)",
)
def take_decision(request: HttpRequest, meeting_id: uuid.UUID, payload: DecisionIn) -> Any:
    meeting = access_meeting(request.user, meeting_id, write=True)
    agenda_item = (
        get_object_or_404(AgendaItem, pk=payload.agenda_item_id, meeting=meeting)
        if payload.agenda_item_id
        else None
    )
    try:
        decision = services.meeting_decision_take(
            actor=request.user,  # type: ignore[arg-type]
            meeting=meeting,
            kind=payload.kind.value,
            text=payload.text,
            agenda_item=agenda_item,
            classification=_marking(payload.classification),
            is_publishable=payload.is_publishable,
            follow_up=payload.follow_up,
            follow_up_person=_person(payload.follow_up_person_id),
            follow_up_state=_state(payload.follow_up_state),
            due_date=payload.due_date,
            plan_version=_plan_version(meeting, payload.plan_version),
            actions=_actions(request, payload.action_ids),
        )
    except DjangoValidationError as error:
        raise _service_error(error) from None
    return 201, _decision_for(request, decision.uuid)


@router.get("/{uuid:meeting_id}/minutes", response={200: MinutesOut, 404: ErrorOut})
def get_minutes(request: HttpRequest, meeting_id: uuid.UUID) -> Any:
    meeting = access_meeting(request.user, meeting_id)
    minutes = selectors.minutes_for_meeting(meeting=meeting)
    if minutes is None:
        return MinutesOut(status="draft", digest="", approved_at=None, sections=[])
    return MinutesOut(
        status=minutes.status,
        digest=minutes.digest,
        approved_at=minutes.approved_at,
        sections=[
            MinutesSectionOut(
                agenda_item_id=section.agenda_item_id,
                position=section.agenda_item.position,
                title=section.agenda_item.title,
                body=section.body,
                revision=section.revision,
            )
            for section in minutes.sections.all()
        ],
    )


# Before ``minutes/{item_id}``: its path would otherwise take "status" for an item id.
@router.post(
    "/{uuid:meeting_id}/minutes/status",
    response={200: MinutesOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Circulate, approve (freeze) or return the minutes to draft",
)
def move_minutes(request: HttpRequest, meeting_id: uuid.UUID, payload: StatusIn) -> Any:
    meeting = access_meeting(request.user, meeting_id, write=True)
    try:
        services.minutes_transition(actor=request.user, meeting=meeting, to_status=payload.to)  # type: ignore[arg-type]
    except DjangoValidationError as error:
        raise _service_error(error) from None
    return get_minutes(request, meeting_id)


@router.put(
    "/{uuid:meeting_id}/minutes/{item_id}",
    response={200: MinutesSectionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Write the minutes of one agenda item (draft minutes only)",
)
def write_minutes(
    request: HttpRequest, meeting_id: uuid.UUID, item_id: int, payload: MinutesSectionIn
) -> Any:
    meeting = access_meeting(request.user, meeting_id, write=True)
    item = get_object_or_404(AgendaItem, pk=item_id, meeting=meeting)
    try:
        section = services.minutes_section_save(
            actor=request.user,  # type: ignore[arg-type]
            meeting=meeting,
            agenda_item=item,
            body=payload.body,
            revision=payload.revision,
        )
    except DjangoValidationError as error:
        raise _service_error(error) from None
    return MinutesSectionOut(
        agenda_item_id=item.pk,
        position=item.position,
        title=item.title,
        body=section.body,
        revision=section.revision,
    )
