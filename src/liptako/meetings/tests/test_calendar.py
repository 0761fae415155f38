"""Invitations with ICS, updates and cancellations, the per-user feed and one meeting's ICS."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from icalendar import Calendar

from liptako.meetings import services
from liptako.meetings.tests.conftest import at


def parse(data: bytes | str):
    calendar = Calendar.from_ical(data)
    return calendar, list(calendar.walk("VEVENT"))


def attachment(message):
    ((name, content, mimetype),) = message.attachments
    assert name == "invitation.ics"
    return content, mimetype


@pytest.fixture
def convened(meeting, secretariat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_transition(actor=secretariat, meeting=meeting, to_status="convened")
    return meeting


def test_convening_invites_each_delegation_member_in_their_language(convened, expert_mli):
    recipients = {message.to[0]: message for message in mail.outbox}
    # Persons' own addresses, or their account's; the Niger chief has neither.
    assert set(recipients) == {"diarra@example.org", "simpore@example.org", expert_mli.email}
    assert recipients["diarra@example.org"].subject == f"Invitation : {convened.title}"
    content, mimetype = attachment(recipients["diarra@example.org"])
    assert "method=REQUEST" in mimetype
    calendar, (event,) = parse(content)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == convened.ics_uid
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == convened.title
    assert event.decoded("DTSTART") == convened.starts_at
    assert "Bamako" in str(event["LOCATION"])


def test_an_update_resends_the_same_uid_with_a_higher_sequence(
    convened, secretariat, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            actor=secretariat,
            meeting=convened,
            revision=convened.revision,
            changes={"starts_at": at(6, 9)},
        )
    assert len(mail.outbox) == 3
    _calendar, (event,) = parse(attachment(mail.outbox[0])[0])
    assert str(event["UID"]) == convened.ics_uid
    assert int(event["SEQUENCE"]) == 1


def test_a_cancellation_sends_method_cancel(
    convened, secretariat, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_transition(actor=secretariat, meeting=convened, to_status="cancelled")
    calendar, (event,) = parse(attachment(mail.outbox[0])[0])
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == convened.ics_uid


def test_mail_for_a_restricted_meeting_carries_no_detail(
    meeting, secretariat, markings, django_capture_on_commit_callbacks
):
    services.meeting_update(
        actor=secretariat, meeting=meeting, revision=1, changes={"classification": markings["DR"]}
    )
    meeting.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_transition(actor=secretariat, meeting=meeting, to_status="convened")
    for message in mail.outbox:
        assert meeting.title not in message.subject + message.body
        _calendar, (event,) = parse(attachment(message)[0])
        assert meeting.title not in str(event["SUMMARY"])
        assert "LOCATION" not in event


def test_the_feed_lists_only_what_its_owner_may_see_and_stops_when_revoked(
    meeting, secretariat, validator_bfa, aes, markings
):
    hidden = services.meeting_create(
        actor=secretariat,
        alliance=aes.alliance,
        title="Réunion réservée au Niger",
        kind="other",
        starts_at=at(10),
        ends_at=at(10, 12),
        city="Niamey",
        releasable_to=[aes.niger],
    )
    client = Client()
    client.force_login(validator_bfa)
    client.post("/reunions/calendrier/abonnement/", {"action": "create"})
    token = services.calendar_feed_token_create(actor=validator_bfa)  # replaces the first one
    anonymous = Client()
    response = anonymous.get(f"/reunions/calendrier/flux/{token}.ics")
    assert response.status_code == 200
    _calendar, events = parse(response.content)
    assert {str(event["UID"]) for event in events} == {meeting.ics_uid}
    assert hidden.ics_uid not in response.content.decode()
    services.calendar_feed_token_revoke(actor=validator_bfa)
    assert anonymous.get(f"/reunions/calendrier/flux/{token}.ics").status_code == 404
    assert anonymous.get("/reunions/calendrier/flux/not-a-token.ics").status_code == 404


def test_the_feed_page_shows_the_address_once(validator_bfa):
    client = Client()
    client.force_login(validator_bfa)
    page = client.post("/reunions/calendrier/abonnement/", {"action": "create"}).content.decode()
    assert "/reunions/calendrier/flux/" in page
    assert (
        "/reunions/calendrier/flux/"
        not in client.get("/reunions/calendrier/abonnement/").content.decode()
    )


def test_one_meeting_downloads_as_ics(
    meeting, expert_mli, validator_bfa, secretariat, markings, aes
):
    client = Client()
    client.force_login(expert_mli)
    response = client.get(f"/reunions/{meeting.uuid}/reunion.ics")
    _calendar, (event,) = parse(response.content)
    assert str(event["UID"]) == meeting.ics_uid
    services.meeting_update(
        actor=secretariat, meeting=meeting, revision=1, changes={}, releasable_to=[aes.niger]
    )
    client.force_login(validator_bfa)
    assert client.get(f"/reunions/{meeting.uuid}/reunion.ics").status_code == 404


# --- What a calendar program needs (RFC 5545 and 5546) ------------------------------------------


def assert_opens_in_a_calendar_program(data: bytes, *, method: str) -> None:
    """Parse, serialise and parse again; check what iTIP requires of REQUEST and CANCEL."""
    calendar, (event,) = parse(data)
    again, (event_again,) = parse(calendar.to_ical())
    assert again.to_ical() == calendar.to_ical()
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert calendar["METHOD"] == method
    for name in ("UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "ORGANIZER", "ATTENDEE"):
        assert name in event, name
        assert event_again[name] == event[name]
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert event.decoded("DTSTART") < event.decoded("DTEND")
    assert str(event["ORGANIZER"]).startswith("mailto:")


def test_an_invitation_opens_in_a_calendar_program_and_names_only_its_recipient(
    convened, delegates
):
    for message in mail.outbox:
        content, _mimetype = attachment(message)
        assert_opens_in_a_calendar_program(content, method="REQUEST")
        _calendar, (event,) = parse(content)
        attendee = event["ATTENDEE"]
        assert not isinstance(attendee, list)  # one invitee per mail, never the whole list
        assert str(attendee) == f"mailto:{message.to[0]}"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    _calendar, (event,) = parse(
        attachment(next(m for m in mail.outbox if m.to == ["diarra@example.org"]))[0]
    )
    assert event["ATTENDEE"].params["CN"] == delegates.diarra.display_name
    assert "DIARRA" in delegates.diarra.display_name


def test_a_cancellation_opens_in_a_calendar_program(
    convened, secretariat, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_transition(actor=secretariat, meeting=convened, to_status="cancelled")
    assert mail.outbox
    for message in mail.outbox:
        assert_opens_in_a_calendar_program(attachment(message)[0], method="CANCEL")


# --- Absolute links from LIPTAKO_BASE_URL -------------------------------------------------------

BASE = "https://liptako.example.org"


def test_invitations_link_to_the_configured_address(
    meeting, secretariat, settings, django_capture_on_commit_callbacks
):
    settings.LIPTAKO_BASE_URL = BASE
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_transition(actor=secretariat, meeting=meeting, to_status="convened")
    page = f"{BASE}/reunions/{meeting.uuid}/"
    for message in mail.outbox:
        assert page in message.body
        _calendar, (event,) = parse(attachment(message)[0])
        assert str(event["URL"]) == page


def test_feed_and_download_link_to_the_configured_address(meeting, expert_mli, settings):
    settings.LIPTAKO_BASE_URL = BASE
    client = Client()
    client.force_login(expert_mli)
    page = client.post("/reunions/calendrier/abonnement/", {"action": "create"}).content.decode()
    assert f"{BASE}/reunions/calendrier/flux/" in page
    token = services.calendar_feed_token_create(actor=expert_mli)
    for response in (
        Client().get(f"/reunions/calendrier/flux/{token}.ics"),
        client.get(f"/reunions/{meeting.uuid}/reunion.ics"),
    ):
        _calendar, (event,) = parse(response.content)
        assert str(event["URL"]) == f"{BASE}/reunions/{meeting.uuid}/"
