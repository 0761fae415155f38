"""Writes on meetings. Each service checks the actor, runs in one transaction and audits.

Errors a user can fix are ``django.core.exceptions.ValidationError`` with a translated
message (keyed by field where one applies); a refused actor gets ``PermissionDenied``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from liptako.audit.services import audit_record
from liptako.core.canonical import digest_of
from liptako.core.links import absolute_url
from liptako.core.models import MarkingLevel
from liptako.meetings.ics import calendar_event_for, meeting_is_mailable, render_ics
from liptako.meetings.models import (
    MEETING_TRANSITIONS,
    MINUTES_TRANSITIONS,
    AgendaItem,
    Attendance,
    CalendarFeedToken,
    Communique,
    CommuniqueStatus,
    FollowUpStatus,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingStatus,
    Minutes,
    MinutesSection,
    MinutesStatus,
    Presence,
    QuorumRule,
)
from liptako.meetings.permissions import require_manage

if TYPE_CHECKING:
    from liptako.accounts.models import User
    from liptako.alliance.models import Alliance, MemberState, Person
    from liptako.plans.models import Action, Plan, PlanVersion

# Fields the meeting edit form may change.
MEETING_FIELDS = (
    "title",
    "kind",
    "purpose",
    "starts_at",
    "ends_at",
    "timezone",
    "city",
    "venue",
    "host_state",
    "chair",
    "secretary",
    "classification",
    "preparatory_meeting",
    "plan",
    "plan_version",
)
# A change to one of these is sent to the invitees as an updated invitation.
CALENDAR_FIELDS = frozenset({"title", "purpose", "starts_at", "ends_at", "city", "venue"})


def _stale() -> ValidationError:
    return ValidationError(
        _("Someone else changed this in the meantime. Reload the page and apply your change again.")
    )


def _check_plan_links(plan: Plan | None, plan_version: PlanVersion | None) -> None:
    if plan_version is not None and plan is not None and plan_version.plan_id != plan.pk:
        raise ValidationError({"plan_version": _("This version belongs to another plan.")})


def _with_hidden_links(current: Any, actions: Sequence[Action], actor: User) -> list[Action]:
    """The new links, plus the current links to actions ``actor`` may not see: forms offer
    only visible actions, so saving one must not drop the links its editor was not shown."""
    from liptako.plans.models import Action

    hidden = current.exclude(pk__in=Action.objects.visible_to(actor).values("pk"))
    return [*actions, *hidden]


def _check_actions(plan_version: PlanVersion | None, actions: Sequence[Action]) -> None:
    plan_ids = {action.plan_id for action in actions}
    if len(plan_ids) > 1:
        raise ValidationError({"actions": _("The linked actions belong to several plans.")})
    if plan_version is not None and plan_ids and plan_ids != {plan_version.plan_id}:
        raise ValidationError(
            {"actions": _("The linked actions belong to another plan than the version.")}
        )


#: The years a meeting may be planned in: a date outside them is a typing mistake (and
#: PostgreSQL refuses some offsets and years that Python accepts).
EARLIEST_YEAR = 1990
LATEST_YEAR = 2100


def _in_utc(value: dt.datetime, field: str, zone_name: str) -> dt.datetime:
    """``value`` in UTC; a time without offset is the meeting city's wall-clock time."""
    if timezone.is_naive(value):
        try:
            zone: dt.tzinfo = zoneinfo.ZoneInfo(zone_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = dt.UTC
        value = value.replace(tzinfo=zone)
    out_of_range = ValidationError(
        {
            field: _("Give a date between %(first)s and %(last)s.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        }
    )
    try:
        offset = value.utcoffset()
        value = value.astimezone(dt.UTC)
    except OverflowError:
        raise out_of_range from None
    if offset is not None and abs(offset) > dt.timedelta(hours=14):
        raise ValidationError({field: _("This time has an offset from UTC that no place uses.")})
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise out_of_range
    return value


def _checked_dates(
    starts_at: dt.datetime, ends_at: dt.datetime, zone_name: str
) -> tuple[dt.datetime, dt.datetime]:
    """Both times in UTC, within the plannable years, the end not before the start."""
    starts_at = _in_utc(starts_at, "starts_at", zone_name)
    ends_at = _in_utc(ends_at, "ends_at", zone_name)
    if ends_at < starts_at:
        raise ValidationError({"ends_at": _("The meeting cannot end before it starts.")})
    return starts_at, ends_at


def _meeting_payload(meeting: Meeting) -> dict[str, Any]:
    return {
        "title": meeting.title,
        "kind": meeting.kind,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "city": meeting.city,
        "status": meeting.status,
        "classification": meeting.classification.code,
        "releasable_to": sorted(meeting.releasable_to.values_list("code", flat=True)),
    }


# --- Meetings ---------------------------------------------------------------------------------


def meeting_create(
    *,
    actor: User,
    alliance: Alliance,
    title: str,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    city: str,
    timezone_name: str = "Africa/Bamako",
    purpose: str = "",
    venue: str = "",
    host_state: MemberState | None = None,
    chair: Person | None = None,
    secretary: Person | None = None,
    classification: MarkingLevel | None = None,
    releasable_to: Iterable[MemberState] = (),
    preparatory_meeting: Meeting | None = None,
    plan: Plan | None = None,
    plan_version: PlanVersion | None = None,
) -> Meeting:
    """Plan a meeting (status ``planned``; nobody is invited yet)."""
    require_manage(actor)
    starts_at, ends_at = _checked_dates(starts_at, ends_at, timezone_name)
    if plan is None and plan_version is not None:
        plan = plan_version.plan
    _check_plan_links(plan, plan_version)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            alliance=alliance,
            title=title,
            kind=kind,
            purpose=purpose,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=timezone_name,
            city=city,
            venue=venue,
            host_state=host_state,
            chair=chair,
            secretary=secretary,
            classification=classification or MarkingLevel.lowest(),
            preparatory_meeting=preparatory_meeting,
            plan=plan,
            plan_version=plan_version,
        )
        meeting.releasable_to.set(list(releasable_to))
        audit_record(
            actor=actor, verb="meeting.create", target=meeting, payload=_meeting_payload(meeting)
        )
    return meeting


def meeting_update(
    *,
    actor: User,
    meeting: Meeting,
    revision: int,
    changes: dict[str, Any],
    releasable_to: Iterable[MemberState] | None = None,
) -> Meeting:
    """Change a meeting's fields (``changes`` keyed by :data:`MEETING_FIELDS`).

    ``revision`` is the one the editor started from: a stale edit is refused. When the
    meeting is convened and its date, place or title change, the invitees receive the
    updated invitation (same UID, next SEQUENCE) after the commit.
    """
    require_manage(actor)
    unknown = set(changes) - set(MEETING_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if meeting.status in (MeetingStatus.HELD, MeetingStatus.CANCELLED):
        raise ValidationError(_("A held or cancelled meeting can no longer be changed."))
    if "starts_at" in changes or "ends_at" in changes:
        changes = dict(changes)
        changes["starts_at"], changes["ends_at"] = _checked_dates(
            changes.get("starts_at", meeting.starts_at),
            changes.get("ends_at", meeting.ends_at),
            changes.get("timezone", meeting.timezone),
        )
    _check_plan_links(
        changes.get("plan", meeting.plan), changes.get("plan_version", meeting.plan_version)
    )
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.revision != revision:
            raise _stale()
        changed = {name for name, value in changes.items() if getattr(locked, name) != value}
        for name in changed:
            setattr(locked, name, changes[name])
        releasable_changed = False
        if releasable_to is not None:
            new_ids = {state.pk for state in releasable_to}
            if new_ids != set(locked.releasable_to.values_list("pk", flat=True)):
                locked.releasable_to.set(list(new_ids))
                releasable_changed = True
        if not changed and not releasable_changed:
            return locked
        notify = locked.status == MeetingStatus.CONVENED and bool(changed & CALENDAR_FIELDS)
        locked.revision += 1
        update_fields = [*changed, "revision", "updated_at"]
        if notify:
            locked.ics_sequence += 1
            update_fields.append("ics_sequence")
        locked.save(update_fields=update_fields)
        audit_record(
            actor=actor,
            verb="meeting.update",
            target=locked,
            payload={
                "changed": sorted(changed | ({"releasable_to"} if releasable_changed else set())),
                **_meeting_payload(locked),
            },
        )
        if notify:
            transaction.on_commit(lambda: _send_invitations(locked.pk, kind="update"))
    return locked


def meeting_transition(
    *, actor: User, meeting: Meeting, to_status: str, send_invitations: bool = True
) -> Meeting:
    """Move the meeting along planned → convened → held, or to cancelled.

    The change is a conditional UPDATE on the current status, so two clicks move it once
    (the second gets a ValidationError). Convening sends the invitations; cancelling a
    convened meeting sends the cancellation (METHOD:CANCEL, next SEQUENCE). Recording past
    meetings (an import, the demo) passes ``send_invitations=False``.
    """
    require_manage(actor)
    from_status = meeting.status
    if to_status not in MEETING_TRANSITIONS.get(from_status, frozenset()):
        raise ValidationError(
            _("A meeting cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": MeetingStatus(from_status).label,
                "to": MeetingStatus(to_status).label if to_status in MeetingStatus else to_status,
            }
        )
    sends = {MeetingStatus.CONVENED: "request", MeetingStatus.CANCELLED: "cancel"}
    notify = send_invitations and (
        to_status == MeetingStatus.CONVENED
        or (to_status == MeetingStatus.CANCELLED and from_status == MeetingStatus.CONVENED)
    )
    with transaction.atomic():
        updates: dict[str, Any] = {"status": to_status, "updated_at": timezone.now()}
        if to_status == MeetingStatus.CANCELLED and notify:
            updates["ics_sequence"] = F("ics_sequence") + 1
        moved = Meeting.objects.filter(pk=meeting.pk, status=from_status).update(**updates)
        if not moved:
            raise _stale()
        meeting.refresh_from_db()
        audit_record(
            actor=actor,
            verb=f"meeting.{to_status}",
            target=meeting,
            payload={"from": from_status, "to": to_status, "ics_sequence": meeting.ics_sequence},
        )
        if notify:
            kind = sends[MeetingStatus(to_status)]
            meeting_pk = meeting.pk
            transaction.on_commit(lambda: _send_invitations(meeting_pk, kind=kind))
    return meeting


def meeting_invitations_resend(*, actor: User, meeting: Meeting) -> int:
    """Send the current invitation again to every delegation member; returns the count."""
    require_manage(actor)
    if meeting.status != MeetingStatus.CONVENED:
        raise ValidationError(_("Only a convened meeting has invitations to send."))
    with transaction.atomic():
        audit_record(actor=actor, verb="meeting.invitations_resend", target=meeting)
    return _send_invitations(meeting.pk, kind="request")


# --- Invitations by mail ------------------------------------------------------------------------


def _recipients(meeting: Meeting) -> list[tuple[str, str, Any]]:
    """(email, language, person) for each delegation member with an address, once each."""
    seen: set[str] = set()
    recipients = []
    for attendance in meeting.attendances.select_related("person__user").order_by("pk"):
        person = attendance.person
        user = person.user
        email = person.email or (user.email if user is not None else "")
        if not email or email.lower() in seen:
            continue
        seen.add(email.lower())
        language = user.language if user is not None else settings.LANGUAGE_CODE
        recipients.append((email, language, person))
    return recipients


def _send_invitations(meeting_pk: int, *, kind: str) -> int:
    """Mail each delegation member the invitation (``request``/``update``) or ``cancel``.

    Runs after the commit. Above the lowest marking, the mail and its ICS carry no detail,
    only the link (DESIGN.md: mail never carries content above NP).
    """
    meeting = Meeting.objects.select_related("classification").get(pk=meeting_pk)
    lowest = MarkingLevel.lowest()
    url = absolute_url(reverse("meetings:meeting-detail", args=[meeting.uuid]))
    method = "CANCEL" if kind == "cancel" else "REQUEST"
    sent = 0
    for email, language, person in _recipients(meeting):
        with translation.override(language):
            event = calendar_event_for(
                meeting,
                url=url,
                lowest=lowest,
                organizer_email=_from_address(),
                attendees=((email, person.display_name),),
            )
            context = {
                "meeting": meeting,
                "event": event,
                "person": person,
                "kind": kind,
                "url": url,
                "is_detailed": meeting_is_mailable(meeting, lowest),
                "local_start": timezone.localtime(meeting.starts_at, meeting.zone),
                "local_end": timezone.localtime(meeting.ends_at, meeting.zone),
            }
            subject = render_to_string("meetings/mail/invitation_subject.txt", context).strip()
            body = render_to_string("meetings/mail/invitation_body.txt", context)
            ics = render_ics([event], method=method)
        message = EmailMultiAlternatives(subject=subject, body=body, to=[email])
        message.attach("invitation.ics", ics, f"text/calendar; method={method}; charset=utf-8")
        message.send()
        sent += 1
    return sent


def _from_address() -> str:
    address = settings.DEFAULT_FROM_EMAIL
    return address.split("<")[-1].rstrip(">").strip() if "<" in address else address


# --- Agenda -------------------------------------------------------------------------------------


def _check_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting can no longer be changed."))


def agenda_item_add(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    presenter: Person | None = None,
    planned_minutes: int | None = None,
    is_publishable: bool = False,
    plan_version: PlanVersion | None = None,
    actions: Sequence[Action] = (),
) -> AgendaItem:
    """Append an item at the end of the agenda."""
    require_manage(actor)
    _check_open(meeting)
    _check_actions(plan_version, actions)
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        last = meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0
        item = AgendaItem.objects.create(
            meeting=meeting,
            position=last + 1,
            title=title,
            presenter=presenter,
            planned_minutes=planned_minutes,
            is_publishable=is_publishable,
            plan_version=plan_version,
        )
        item.actions.set(list(actions))
        audit_record(
            actor=actor,
            verb="agenda_item.add",
            target=item,
            payload={"meeting": str(meeting.uuid), "position": item.position, "title": title},
        )
    return item


def agenda_item_update(
    *,
    actor: User,
    item: AgendaItem,
    title: str,
    presenter: Person | None,
    planned_minutes: int | None,
    is_publishable: bool,
    plan_version: PlanVersion | None = None,
    actions: Sequence[Action] = (),
) -> AgendaItem:
    require_manage(actor)
    _check_open(item.meeting)
    _check_actions(plan_version, actions)
    with transaction.atomic():
        item.title = title
        item.presenter = presenter
        item.planned_minutes = planned_minutes
        item.is_publishable = is_publishable
        item.plan_version = plan_version
        item.save(
            update_fields=[
                "title",
                "presenter",
                "planned_minutes",
                "is_publishable",
                "plan_version",
                "updated_at",
            ]
        )
        item.actions.set(_with_hidden_links(item.actions.all(), actions, actor))
        audit_record(actor=actor, verb="agenda_item.update", target=item, payload={"title": title})
    return item


def agenda_reorder(*, actor: User, meeting: Meeting, item_ids: Sequence[int]) -> list[AgendaItem]:
    """Put the agenda in the order of ``item_ids`` (all the meeting's items, once each)."""
    require_manage(actor)
    _check_open(meeting)
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        items = {item.pk: item for item in meeting.agenda_items.all()}
        if sorted(item_ids) != sorted(items) or len(set(item_ids)) != len(item_ids):
            raise ValidationError(
                _("The agenda changed in the meantime. Reload the page and reorder again.")
            )
        # Two passes keep the unique (meeting, position) constraint true at every statement.
        offset = len(items) + 1000
        AgendaItem.objects.filter(meeting=meeting).update(position=F("position") + offset)
        for position, item_id in enumerate(item_ids, start=1):
            AgendaItem.objects.filter(pk=item_id).update(position=position)
            items[item_id].position = position
        audit_record(
            actor=actor,
            verb="agenda.reorder",
            target=meeting,
            payload={"order": [items[item_id].title for item_id in item_ids]},
        )
    return [items[item_id] for item_id in item_ids]


def agenda_item_move(*, actor: User, item: AgendaItem, offset: int) -> list[AgendaItem]:
    """Move one item up (``-1``) or down (``+1``): the no-JavaScript way to reorder."""
    ids = list(item.meeting.agenda_items.order_by("position").values_list("pk", flat=True))
    index = ids.index(item.pk)
    target = index + offset
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    return agenda_reorder(actor=actor, meeting=item.meeting, item_ids=ids)


def agenda_item_remove(*, actor: User, item: AgendaItem) -> None:
    require_manage(actor)
    _check_open(item.meeting)
    if item.decisions.exists() or MinutesSection.objects.filter(agenda_item=item).exists():
        raise ValidationError(_("This item has decisions or minutes and cannot be removed."))
    with transaction.atomic():
        meeting = item.meeting
        audit_record(actor=actor, verb="agenda_item.remove", target=item, payload={})
        item.delete()
        remaining = list(meeting.agenda_items.order_by("position").values_list("pk", flat=True))
    if remaining:
        agenda_reorder(actor=actor, meeting=meeting, item_ids=remaining)


# --- Attendance ---------------------------------------------------------------------------------


def attendance_record(
    *,
    actor: User,
    meeting: Meeting,
    member_state: MemberState,
    person: Person,
    is_head_of_delegation: bool = False,
    is_guest: bool = False,
    role: str = "",
    presence: str = Presence.PRESENT,
    represented_by: Person | None = None,
    is_publishable: bool = False,
) -> Attendance:
    """Add a person to a delegation, or update their line when already there."""
    require_manage(actor)
    _check_open(meeting)
    if presence == Presence.REPRESENTED and represented_by is None:
        raise ValidationError({"represented_by": _("Name who represents this person.")})
    if presence != Presence.REPRESENTED:
        represented_by = None
    if is_head_of_delegation:
        other_head = (
            meeting.attendances.filter(member_state=member_state, is_head_of_delegation=True)
            .exclude(person=person)
            .exists()
        )
        if other_head:
            raise ValidationError(
                {"is_head_of_delegation": _("This delegation already has a head.")}
            )
    try:
        with transaction.atomic():
            attendance, created = Attendance.objects.update_or_create(
                meeting=meeting,
                person=person,
                defaults={
                    "member_state": member_state,
                    "is_head_of_delegation": is_head_of_delegation,
                    "is_guest": is_guest,
                    "role": role,
                    "presence": presence,
                    "represented_by": represented_by,
                    "is_publishable": is_publishable,
                },
            )
            audit_record(
                actor=actor,
                verb="attendance.add" if created else "attendance.update",
                target=meeting,
                payload={
                    "person": person.display_name,
                    "member_state": member_state.code,
                    "presence": presence,
                    "is_head_of_delegation": is_head_of_delegation,
                },
            )
    except IntegrityError as error:
        raise ValidationError(_("This delegation already has a head.")) from error
    return attendance


def attendance_remove(*, actor: User, attendance: Attendance) -> None:
    require_manage(actor)
    _check_open(attendance.meeting)
    with transaction.atomic():
        audit_record(
            actor=actor,
            verb="attendance.remove",
            target=attendance.meeting,
            payload={"person": attendance.person.display_name},
        )
        attendance.delete()


def quorum_rule_set(
    *, actor: User, alliance: Alliance, kind: str, minimum_delegations: int
) -> QuorumRule:
    """Configure how many delegations a kind of meeting needs (per alliance).

    Refused (``ValidationError``) for an unknown kind, or a minimum below one or above the
    number of member states (it could never be reached). Audited with the previous value;
    saving the current value again changes and records nothing.
    """
    require_manage(actor)
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": _("Choose a kind of meeting from the list.")})
    if minimum_delegations < 1:
        raise ValidationError({"minimum_delegations": _("At least one delegation is needed.")})
    states = alliance.member_states.count()
    if minimum_delegations > states:
        raise ValidationError(
            {
                "minimum_delegations": _(
                    "The alliance has %(states)d member states: a quorum of %(minimum)d "
                    "delegations could never be reached."
                )
                % {"states": states, "minimum": minimum_delegations}
            }
        )
    with transaction.atomic():
        rule = QuorumRule.objects.select_for_update().filter(alliance=alliance, kind=kind).first()
        before = rule.minimum_delegations if rule is not None else None
        if rule is not None and before == minimum_delegations:
            return rule
        rule, _created = QuorumRule.objects.update_or_create(
            alliance=alliance, kind=kind, defaults={"minimum_delegations": minimum_delegations}
        )
        audit_record(
            actor=actor,
            verb="quorum_rule.set",
            target=rule,
            payload={"kind": kind, "minimum_delegations": minimum_delegations, "before": before},
        )
    return rule


# --- Decisions and follow-ups ------------------------------------------------------------------


def _check_follow_up_owner(person: Person | None, state: MemberState | None) -> None:
    if person is not None and state is not None:
        raise ValidationError(
            {"follow_up_state": _("A follow-up has one owner: a person or a member state.")}
        )


def meeting_decision_take(
    *,
    actor: User,
    meeting: Meeting,
    kind: str,
    text: str,
    agenda_item: AgendaItem | None = None,
    classification: MarkingLevel | None = None,
    releasable_to: Iterable[MemberState] = (),
    is_publishable: bool = False,
    follow_up: str = "",
    follow_up_person: Person | None = None,
    follow_up_state: MemberState | None = None,
    due_date: dt.date | None = None,
    plan_version: PlanVersion | None = None,
    actions: Sequence[Action] = (),
) -> MeetingDecision:
    """Record a decision with the next number of the meeting (``CEMGA-2024-11/D3``)."""
    require_manage(actor)
    _check_open(meeting)
    _check_follow_up_owner(follow_up_person, follow_up_state)
    _check_actions(plan_version, actions)
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationError({"agenda_item": _("This item belongs to another meeting.")})
    if classification is not None and classification.rank < meeting.classification.rank:
        raise ValidationError(
            {"classification": _("A decision is marked at least as high as its meeting.")}
        )
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        last = meeting.decisions.aggregate(last=Max("number"))["last"] or 0
        decision = MeetingDecision.objects.create(
            meeting=meeting,
            number=last + 1,
            kind=kind,
            text=text,
            agenda_item=agenda_item,
            classification=classification or meeting.classification,
            is_publishable=is_publishable,
            follow_up=follow_up,
            follow_up_person=follow_up_person,
            follow_up_state=follow_up_state,
            due_date=due_date,
            plan_version=plan_version,
        )
        decision.actions.set(list(actions))
        decision.releasable_to.set(list(releasable_to) or list(meeting.releasable_to.all()))
        audit_record(
            actor=actor,
            verb="meeting_decision.take",
            target=decision,
            payload={
                "reference": decision.reference,
                "kind": kind,
                "classification": decision.classification.code,
            },
        )
    return decision


def meeting_decision_update(
    *, actor: User, decision: MeetingDecision, revision: int, changes: dict[str, Any]
) -> MeetingDecision:
    """Edit a decision's text, marking, publicity or follow-up (stale edits refused)."""
    require_manage(actor)
    allowed = {
        "kind", "text", "agenda_item", "classification", "is_publishable", "follow_up",
        "follow_up_person", "follow_up_state", "due_date", "plan_version", "actions",
    }  # fmt: skip
    if set(changes) - allowed:
        raise ValueError(f"not editable: {sorted(set(changes) - allowed)}")
    _check_follow_up_owner(
        changes.get("follow_up_person", decision.follow_up_person),
        changes.get("follow_up_state", decision.follow_up_state),
    )
    with transaction.atomic():
        locked = MeetingDecision.objects.select_for_update().get(pk=decision.pk)
        if locked.revision != revision:
            raise _stale()
        changes = dict(changes)
        actions = changes.pop("actions", None)
        if actions is not None:
            _check_actions(changes.get("plan_version", locked.plan_version), actions)
            locked.actions.set(_with_hidden_links(locked.actions.all(), actions, actor))
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.revision += 1
        locked.save(update_fields=[*changes, "revision", "updated_at"])
        audit_record(
            actor=actor,
            verb="meeting_decision.update",
            target=locked,
            payload={"changed": sorted([*changes, *(["actions"] if actions is not None else [])])},
        )
    return locked


def follow_up_set_status(*, actor: User, decision: MeetingDecision, status: str) -> MeetingDecision:
    """Close (``done``), cancel or reopen a decision's follow-up."""
    require_manage(actor)
    if status not in FollowUpStatus.values:
        raise ValidationError({"status": _("Unknown follow-up status.")})
    with transaction.atomic():
        previous = decision.follow_up_status
        MeetingDecision.objects.filter(pk=decision.pk).update(
            follow_up_status=status, revision=F("revision") + 1, updated_at=timezone.now()
        )
        decision.refresh_from_db()
        audit_record(
            actor=actor,
            verb="follow_up.set_status",
            target=decision,
            payload={"from": previous, "to": status},
        )
    return decision


# --- Minutes ------------------------------------------------------------------------------------


def minutes_content(minutes: Minutes) -> dict[str, Any]:
    """What the approval digest covers: the meeting and each section, in agenda order."""
    meeting = minutes.meeting
    return {
        "meeting": str(meeting.uuid),
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "sections": [
            {"position": s.agenda_item.position, "item": s.agenda_item.title, "body": s.body}
            for s in minutes.sections.select_related("agenda_item").order_by(
                "agenda_item__position"
            )
        ],
    }


def minutes_section_save(
    *,
    actor: User,
    meeting: Meeting,
    agenda_item: AgendaItem,
    body: str,
    revision: int | None = None,
) -> MinutesSection:
    """Write the minutes of one agenda item (only while the minutes are a draft).

    ``revision`` is the section's revision the editor started from (``None`` for a new one).
    """
    require_manage(actor)
    if agenda_item.meeting_id != meeting.pk:
        raise ValidationError({"agenda_item": _("This item belongs to another meeting.")})
    with transaction.atomic():
        minutes, _created = Minutes.objects.get_or_create(meeting=meeting)
        minutes = Minutes.objects.select_for_update().get(pk=minutes.pk)
        if minutes.status != MinutesStatus.DRAFT:
            raise ValidationError(
                _("The minutes are %(status)s: only a draft can be changed.")
                % {"status": minutes.get_status_display().lower()}
            )
        section = MinutesSection.objects.filter(minutes=minutes, agenda_item=agenda_item).first()
        if section is None:
            if revision not in (None, 0):
                raise _stale()
            section = MinutesSection.objects.create(
                minutes=minutes, agenda_item=agenda_item, body=body
            )
        else:
            if revision is not None and section.revision != revision:
                raise _stale()
            section.body = body
            section.revision += 1
            section.save(update_fields=["body", "revision", "updated_at"])
        audit_record(
            actor=actor,
            verb="minutes.edit",
            target=minutes,
            payload={"agenda_item": agenda_item.title, "characters": len(body)},
        )
    return section


def minutes_transition(
    *, actor: User, meeting: Meeting, to_status: str, notify_heads: bool = True
) -> Minutes:
    """draft → circulated (heads of delegation are mailed) → approved (frozen, digest).

    A circulated draft may go back to draft for changes. Approval computes the SHA-256 of
    the canonical minutes; afterwards nothing changes them.
    """
    require_manage(actor)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        raise ValidationError(_("Write the minutes of at least one agenda item first."))
    if to_status not in MINUTES_TRANSITIONS[minutes.status]:
        raise ValidationError(
            _("The minutes cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": minutes.get_status_display(),
                "to": MinutesStatus(to_status).label if to_status in MinutesStatus else to_status,
            }
        )
    if to_status == MinutesStatus.APPROVED and meeting.status != MeetingStatus.HELD:
        raise ValidationError(_("Minutes are approved once the meeting has been held."))
    with transaction.atomic():
        now = timezone.now()
        updates: dict[str, Any] = {"status": to_status, "updated_at": now}
        if to_status == MinutesStatus.CIRCULATED:
            updates["circulated_at"] = now
        if to_status == MinutesStatus.APPROVED:
            updates.update(
                approved_at=now, approved_by=actor, digest=digest_of(minutes_content(minutes))
            )
        moved = Minutes.objects.filter(pk=minutes.pk, status=minutes.status).update(**updates)
        if not moved:
            raise _stale()
        minutes.refresh_from_db()
        audit_record(
            actor=actor,
            verb=MINUTES_VERBS[to_status],
            target=minutes,
            payload={"status": to_status, "digest": minutes.digest},
        )
        if to_status == MinutesStatus.CIRCULATED and notify_heads:
            meeting_pk = meeting.pk
            transaction.on_commit(lambda: _send_minutes_circulation(meeting_pk))
    return minutes


MINUTES_VERBS: dict[str, str] = {
    MinutesStatus.DRAFT: "minutes.return_to_draft",
    MinutesStatus.CIRCULATED: "minutes.circulate",
    MinutesStatus.APPROVED: "minutes.approve",
}


def _send_minutes_circulation(meeting_pk: int) -> int:
    """Tell each head of delegation the minutes await their comments (a link, no content)."""
    meeting = Meeting.objects.get(pk=meeting_pk)
    url = absolute_url(reverse("meetings:meeting-detail", args=[meeting.uuid]) + "#minutes")
    sent = 0
    heads = meeting.attendances.filter(is_head_of_delegation=True).select_related("person__user")
    for attendance in heads:
        person = attendance.person
        email = person.email or (person.user.email if person.user else "")
        if not email:
            continue
        language = person.user.language if person.user else settings.LANGUAGE_CODE
        with translation.override(language):
            context = {"meeting": meeting, "person": person, "url": url}
            subject = render_to_string("meetings/mail/minutes_subject.txt", context).strip()
            body = render_to_string("meetings/mail/minutes_body.txt", context)
        EmailMultiAlternatives(subject=subject, body=body, to=[email]).send()
        sent += 1
    return sent


# --- Communiqués --------------------------------------------------------------------------------


def communique_generate(
    *, actor: User, meeting: Meeting, language: str = "fr", source: str = ""
) -> Communique:
    """Draft (or redraft) the press communiqué of a held meeting from its public content.

    Refused when the meeting is not held, not at a public marking, or when the communiqué
    in that language is already approved.
    """
    from liptako.meetings.communique import CommuniqueNotPublic, build_communique

    require_manage(actor)
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(_("A communiqué is drafted once the meeting has been held."))
    try:
        draft = build_communique(meeting, language=language, source=source)
    except CommuniqueNotPublic as error:
        raise ValidationError(str(error)) from error
    with transaction.atomic():
        existing = (
            Communique.objects.select_for_update()
            .filter(meeting=meeting, language=language)
            .first()
        )
        if existing is not None and existing.status == CommuniqueStatus.APPROVED:
            raise ValidationError(_("This communiqué is approved and can no longer be redrafted."))
        if existing is None:
            communique = Communique.objects.create(
                meeting=meeting,
                language=language,
                title=draft.title,
                body=draft.body,
                source=draft.source,
            )
        else:
            communique = existing
            communique.title, communique.body, communique.source = (
                draft.title,
                draft.body,
                draft.source,
            )
            communique.revision += 1
            communique.save(update_fields=["title", "body", "source", "revision", "updated_at"])
        audit_record(
            actor=actor,
            verb="communique.generate",
            target=communique,
            payload={"language": language, "meeting": str(meeting.uuid)},
        )
    return communique


def communique_update(
    *, actor: User, communique: Communique, revision: int, title: str, body: str, source: str
) -> Communique:
    """Edit a draft communiqué (stale edits refused; an approved one never changes)."""
    require_manage(actor)
    with transaction.atomic():
        locked = Communique.objects.select_for_update().get(pk=communique.pk)
        if locked.status == CommuniqueStatus.APPROVED:
            raise ValidationError(_("This communiqué is approved and can no longer be changed."))
        if locked.revision != revision:
            raise _stale()
        locked.title, locked.body, locked.source = title, body, source
        locked.revision += 1
        locked.save(update_fields=["title", "body", "source", "revision", "updated_at"])
        audit_record(
            actor=actor,
            verb="communique.edit",
            target=locked,
            payload={"language": locked.language, "revision": locked.revision},
        )
    return locked


def communique_approve(*, actor: User, communique: Communique) -> Communique:
    """Approve the communiqué for publication; it is frozen from then on."""
    require_manage(actor)
    with transaction.atomic():
        moved = Communique.objects.filter(pk=communique.pk, status=CommuniqueStatus.DRAFT).update(
            status=CommuniqueStatus.APPROVED,
            approved_at=timezone.now(),
            approved_by=actor,
            updated_at=timezone.now(),
        )
        if not moved:
            raise ValidationError(_("This communiqué is already approved."))
        communique.refresh_from_db()
        audit_record(
            actor=actor,
            verb="communique.approve",
            target=communique,
            payload={
                "language": communique.language,
                "digest": digest_of(
                    {
                        "title": communique.title,
                        "body": communique.body,
                        "source": communique.source,
                    }
                ),
            },
        )
    return communique


# --- Calendar feed ------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_token_create(*, actor: User) -> str:
    """A new secret for the user's calendar feed (the previous one stops working).

    Returns the token; only its hash is kept, so it is shown once.
    """
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeedToken.objects.filter(user=actor, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        feed = CalendarFeedToken.objects.create(user=actor, token_hash=_token_hash(token))
        audit_record(actor=actor, verb="calendar_feed.create", target=feed, payload={})
    return token


def calendar_feed_token_revoke(*, actor: User) -> int:
    """Stop the user's calendar feed URL from working."""
    with transaction.atomic():
        revoked = CalendarFeedToken.objects.filter(user=actor, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit_record(actor=actor, verb="calendar_feed.revoke", target=actor, payload={})
    return revoked


def calendar_feed_user(token: str) -> User | None:
    """The active user whose live feed token this is, or ``None``."""
    feed = (
        CalendarFeedToken.objects.filter(token_hash=_token_hash(token), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if feed is None or not feed.user.is_active:
        return None
    return feed.user
