"""iCalendar (RFC 5545) renderings of meetings: invitations, cancellations and feeds.

Pure renderers: :class:`CalendarEvent` values in, bytes out. What an event shows is decided
by :func:`calendar_event_for` (content above the lowest marking is never written into a
calendar; see docs/decisions/0065-calendar-content-redaction.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from liptako.core.models import MarkingLevel
from liptako.meetings.models import Meeting, MeetingStatus

PRODID = "-//Liptako//Meetings//FR"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    summary: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    url: str
    is_cancelled: bool
    organizer_email: str = ""
    # (address, name) of the invitee: RFC 5546 wants one ATTENDEE in a REQUEST or CANCEL.
    # Each mail names only its recipient, so no invitee learns who else is invited.
    attendees: tuple[tuple[str, str], ...] = ()


def meeting_is_mailable(meeting: Meeting, lowest: MarkingLevel | None = None) -> bool:
    """Only meetings at the lowest marking are described in mail and calendars."""
    lowest = lowest or MarkingLevel.lowest()
    return meeting.classification.rank <= lowest.rank


def calendar_event_for(
    meeting: Meeting,
    *,
    url: str,
    lowest: MarkingLevel | None = None,
    organizer_email: str = "",
    attendees: tuple[tuple[str, str], ...] = (),
) -> CalendarEvent:
    """The event for ``meeting`` in the active language; redacted above the lowest marking."""
    if meeting_is_mailable(meeting, lowest):
        summary = meeting.title
        description = meeting.purpose
        location = ", ".join(part for part in (meeting.venue, meeting.city) if part)
    else:
        summary = _("Meeting (%(marking)s)") % {"marking": meeting.classification.code}
        description = _("The details of this meeting are in Liptako.")
        location = ""
    return CalendarEvent(
        uid=meeting.ics_uid,
        sequence=meeting.ics_sequence,
        summary=summary,
        description=f"{description}\n\n{url}".strip(),
        location=location,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        url=url,
        is_cancelled=meeting.status == MeetingStatus.CANCELLED,
        organizer_email=organizer_email,
        attendees=attendees,
    )


def _event_component(item: CalendarEvent, *, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("sequence", item.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", item.starts_at)
    event.add("dtend", item.ends_at)
    event.add("summary", item.summary)
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    if item.url:
        event.add("url", item.url)
    event.add("status", "CANCELLED" if item.is_cancelled else "CONFIRMED")
    if item.organizer_email:
        organizer = vCalAddress(f"mailto:{item.organizer_email}")
        organizer.params["cn"] = vText("Liptako")
        event.add("organizer", organizer)
    for email, name in item.attendees:
        attendee = vCalAddress(f"mailto:{email}")
        if name:
            attendee.params["cn"] = vText(name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        if not item.is_cancelled:
            attendee.params["partstat"] = vText("NEEDS-ACTION")
        event.add("attendee", attendee)
    return event


def render_ics(
    events: Iterable[CalendarEvent], *, method: str | None = None, name: str = ""
) -> bytes:
    """A VCALENDAR with the events; ``method`` is REQUEST or CANCEL for mail (RFC 5546)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for item in events:
        calendar.add_component(_event_component(item, stamp=stamp))
    return calendar.to_ical()
