"""Reads on meetings, always scoped to what the user may see (``visible_to``)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from liptako.alliance.models import Alliance, Position
from liptako.meetings.exports import MinutesDocument
from liptako.meetings.models import (
    AgendaItem,
    Attendance,
    FollowUpStatus,
    Meeting,
    MeetingDecision,
    MeetingKind,
    Minutes,
    MinutesSection,
    QuorumRule,
)
from liptako.plans.models import Action, Plan

MEETING_SORTS = {
    "date": ("starts_at", "title"),
    "-date": ("-starts_at", "title"),
    "title": ("title", "starts_at"),
    "-title": ("-title", "starts_at"),
    "city": ("city", "starts_at"),
    "-city": ("-city", "starts_at"),
}


@dataclass(frozen=True)
class MeetingFilters:
    kind: str = ""
    member_state_id: int | None = None
    status: str = ""
    sort: str = "-date"
    starts_from: dt.datetime | None = None
    starts_before: dt.datetime | None = None


def meeting_list_for_user(*, user: Any, filters: MeetingFilters | None = None) -> QuerySet[Meeting]:
    """Meetings the user may see, filtered and sorted (member state: host or delegation)."""
    filters = filters or MeetingFilters()
    meetings = Meeting.objects.visible_to(user).select_related("classification", "host_state")
    if filters.kind:
        meetings = meetings.filter(kind=filters.kind)
    if filters.status:
        meetings = meetings.filter(status=filters.status)
    if filters.member_state_id is not None:
        meetings = meetings.filter(
            Q(host_state_id=filters.member_state_id)
            | Q(
                pk__in=Attendance.objects.filter(member_state_id=filters.member_state_id).values(
                    "meeting_id"
                )
            )
        )
    if filters.starts_from is not None:
        meetings = meetings.filter(ends_at__gte=filters.starts_from)
    if filters.starts_before is not None:
        meetings = meetings.filter(starts_at__lt=filters.starts_before)
    return meetings.order_by(*MEETING_SORTS.get(filters.sort, MEETING_SORTS["-date"]))


def _visible_actions(user: Any) -> QuerySet[Action]:
    return Action.objects.visible_to(user).select_related("plan").order_by("code")


def agenda_for_meeting(*, meeting: Meeting, user: Any = None) -> QuerySet[AgendaItem]:
    """The agenda in order; with ``user``, each item's linked actions that user may see."""
    items = meeting.agenda_items.select_related("presenter", "plan_version").order_by("position")
    if user is not None:
        items = items.prefetch_related(Prefetch("actions", queryset=_visible_actions(user)))
    return items


def attendance_for_meeting(*, meeting: Meeting) -> QuerySet[Attendance]:
    return meeting.attendances.select_related("member_state", "person", "represented_by")


def decisions_for_meeting(*, user: Any, meeting: Meeting) -> QuerySet[MeetingDecision]:
    """The decisions of a meeting the user sees, each also filtered by its own marking."""
    return (
        MeetingDecision.objects.visible_to(user)
        .filter(meeting=meeting)
        .select_related(
            "meeting",
            "classification",
            "agenda_item",
            "follow_up_person",
            "follow_up_state",
            "plan_version",
        )
        .prefetch_related(Prefetch("actions", queryset=_visible_actions(user)))
        .order_by("number")
    )


def linked_plan_for_user(*, user: Any, meeting: Meeting) -> Plan | None:
    """The meeting's plan, if the user may see it (its version comes with it)."""
    if meeting.plan_id is None:
        return None
    return Plan.objects.visible_to(user).filter(pk=meeting.plan_id).first()


def follow_ups_for_action(*, user: Any, action: Action) -> QuerySet[MeetingDecision]:
    """Decisions linked to an action (visible to the user), open follow-ups first.

    Meant for the action's page in the plans app.
    """
    return (
        MeetingDecision.objects.visible_to(user)
        .filter(meeting__in=Meeting.objects.visible_to(user), actions=action)
        .select_related("meeting", "classification", "follow_up_person", "follow_up_state")
        .annotate(
            is_open_rank=Case(
                When(follow_up_status=FollowUpStatus.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("is_open_rank", "due_date", "-meeting__starts_at", "number")
    )


@dataclass(frozen=True)
class Delegation:
    member_state: Any
    attendances: list[Attendance] = field(default_factory=list)

    @property
    def head(self) -> Attendance | None:
        return next((a for a in self.attendances if a.is_head_of_delegation), None)

    @property
    def is_present(self) -> bool:
        return any(a.counts_as_present for a in self.attendances)


def delegations_for_meeting(*, meeting: Meeting) -> list[Delegation]:
    delegations: dict[int, Delegation] = {}
    for attendance in attendance_for_meeting(meeting=meeting):
        delegation = delegations.setdefault(
            attendance.member_state_id, Delegation(member_state=attendance.member_state)
        )
        delegation.attendances.append(attendance)
    return sorted(delegations.values(), key=lambda d: d.member_state.name)


@dataclass(frozen=True)
class QuorumStatus:
    required: int
    present: int
    present_state_ids: frozenset[int]

    @property
    def is_reached(self) -> bool:
        return self.present >= self.required


def quorum_required(*, meeting: Meeting) -> int:
    """The configured minimum for the meeting's kind; every member state when unset."""
    rule = QuorumRule.objects.filter(alliance_id=meeting.alliance_id, kind=meeting.kind).first()
    if rule is not None:
        return rule.minimum_delegations
    return meeting.alliance.member_states.count()


@dataclass(frozen=True)
class QuorumSetting:
    """One kind of meeting on the quorum page: its minimum, configured or by default."""

    kind: MeetingKind
    minimum_delegations: int
    is_default: bool


def quorum_settings(*, alliance: Alliance) -> list[QuorumSetting]:
    """Every kind of meeting with the delegations it needs (two queries)."""
    rules = {
        rule.kind: rule.minimum_delegations for rule in QuorumRule.objects.filter(alliance=alliance)
    }
    states = alliance.member_states.count()
    return [
        QuorumSetting(
            kind=kind,
            minimum_delegations=rules.get(kind.value, states),
            is_default=kind.value not in rules,
        )
        for kind in MeetingKind
    ]


def quorum_status(*, meeting: Meeting) -> QuorumStatus:
    """Whether enough delegations are present (or represented) for the meeting's kind."""
    present_ids = frozenset(
        meeting.attendances.filter(
            presence__in=["present", "represented"], is_guest=False
        ).values_list("member_state_id", flat=True)
    )
    return QuorumStatus(
        required=quorum_required(meeting=meeting),
        present=len(present_ids),
        present_state_ids=present_ids,
    )


def minutes_for_meeting(*, meeting: Meeting) -> Minutes | None:
    return (
        Minutes.objects.filter(meeting=meeting)
        .select_related("approved_by")
        .prefetch_related(
            Prefetch(
                "sections",
                queryset=MinutesSection.objects.select_related("agenda_item").order_by(
                    "agenda_item__position"
                ),
            )
        )
        .first()
    )


def follow_up_list_for_user(
    *,
    user: Any,
    status: str = FollowUpStatus.OPEN,
    person_id: int | None = None,
    member_state_ids: frozenset[int] | None = None,
    today: dt.date | None = None,
) -> QuerySet[MeetingDecision]:
    """Follow-ups of decisions the user may see, overdue first, then by due date.

    ``person_id`` / ``member_state_ids`` narrow to what a person or member states own.
    """
    today = today or timezone.localdate()
    decisions = (
        MeetingDecision.objects.visible_to(user)
        .filter(meeting__in=Meeting.objects.visible_to(user))
        .exclude(follow_up="", follow_up_person__isnull=True, follow_up_state__isnull=True)
        .select_related(
            "meeting", "classification", "follow_up_person", "follow_up_state", "plan_version"
        )
        .prefetch_related(Prefetch("actions", queryset=_visible_actions(user)))
    )
    if status:
        decisions = decisions.filter(follow_up_status=status)
    if person_id is not None or member_state_ids is not None:
        owned = Q(pk__in=[])
        if person_id is not None:
            owned |= Q(follow_up_person_id=person_id)
        if member_state_ids:
            owned |= Q(follow_up_state_id__in=member_state_ids)
        decisions = decisions.filter(owned)
    return decisions.annotate(
        is_overdue_rank=Case(
            When(due_date__lt=today, follow_up_status=FollowUpStatus.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("is_overdue_rank", "due_date", "meeting__starts_at", "number")


def current_position_of(person_id: int | None) -> Position | None:
    """The person's current post (latest start), e.g. "Chef d'État-major Général des Armées"."""
    if person_id is None:
        return None
    return (
        Position.objects.filter(person_id=person_id, end_date__isnull=True)
        .select_related("organisation__member_state")
        .order_by("-start_date")
        .first()
    )


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    in_month: bool
    meetings: list[Meeting]


def calendar_month(
    *, user: Any, year: int, month: int, filters: MeetingFilters
) -> list[list[CalendarDay]]:
    """Weeks (Monday first) of the month, each day with the visible meetings spanning it.

    Days are those of the user's active time zone; a meeting lasting several days appears on
    each of them. One query.
    """
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    zone = timezone.get_current_timezone()
    window_start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    window_end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    meetings = list(
        meeting_list_for_user(
            user=user,
            filters=MeetingFilters(
                kind=filters.kind,
                member_state_id=filters.member_state_id,
                status=filters.status,
                sort="date",
                starts_from=window_start,
                starts_before=window_end,
            ),
        )
    )
    result = []
    for week in weeks:
        days = []
        for day in week:
            on_day = [
                meeting
                for meeting in meetings
                if timezone.localtime(meeting.starts_at, zone).date()
                <= day
                <= timezone.localtime(meeting.ends_at, zone).date()
            ]
            days.append(CalendarDay(date=day, in_month=day.month == month, meetings=on_day))
        result.append(days)
    return result


def minutes_document_for_user(*, user: Any, meeting: Meeting) -> MinutesDocument:
    """The minutes and decisions of a meeting as ``user`` may read them, for the export.

    The marking is the highest of the meeting and of the decisions the reader sees.
    """
    zone = meeting.zone
    start = timezone.localtime(meeting.starts_at, zone)
    end = timezone.localtime(meeting.ends_at, zone)
    when = formats.date_format(start, "l j F Y H:i")
    if end.date() != start.date():
        when = f"{when} \N{EN DASH} {formats.date_format(end, 'l j F Y H:i')}"
    else:
        when = f"{when} \N{EN DASH} {formats.time_format(end, 'H:i')}"
    decisions = list(decisions_for_meeting(user=user, meeting=meeting))
    level = max(
        [meeting.classification, *(d.classification for d in decisions)], key=lambda m: m.rank
    )
    minutes = minutes_for_meeting(meeting=meeting)
    position = current_position_of(meeting.chair_id)
    chair = meeting.chair.display_name if meeting.chair else ""
    if chair and position is not None:
        chair = f"{chair}, {position.title}"
    return MinutesDocument(
        marking=f"{level.label} ({level.code})",
        title=meeting.title,
        when=f"{when} ({meeting.timezone})",
        where=", ".join(part for part in (meeting.venue, meeting.city) if part),
        chair=chair,
        status=str(minutes.get_status_display()) if minutes else "",
        digest=minutes.digest if minutes else "",
        delegations=[
            (
                str(delegation.member_state),
                [
                    " — ".join(
                        part
                        for part in (
                            attendance.person.display_name,
                            attendance.role,
                            str(attendance.get_presence_display()),
                        )
                        if part
                    )
                    for attendance in delegation.attendances
                ],
            )
            for delegation in delegations_for_meeting(meeting=meeting)
        ],
        sections=[
            (f"{section.agenda_item.position}. {section.agenda_item.title}", section.body)
            for section in (minutes.sections.all() if minutes else [])
        ],
        decisions=[
            (
                f"{d.reference} ({d.classification.code}) {d.get_kind_display()}",
                d.text,
                d.follow_up,
            )
            for d in decisions
        ],
        labels={
            "when": str(_("Dates:")),
            "where": str(_("Place:")),
            "chair": str(_("Chair:")),
            "status": str(_("Minutes:")),
            "digest": str(_("Digest (SHA-256):")),
            "delegations": str(_("Delegations and attendance")),
            "minutes": str(_("Minutes")),
            "decisions": str(_("Decisions")),
        },
    )
