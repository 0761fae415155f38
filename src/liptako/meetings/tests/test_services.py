"""Meeting services: life cycle, agenda, attendance and quorum, decisions, minutes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from liptako.audit.models import AuditEvent
from liptako.core.canonical import digest_of
from liptako.meetings import selectors, services
from liptako.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MinutesStatus,
    Presence,
)
from liptako.meetings.tests.conftest import take_decision


def test_it_moves_a_meeting_through_its_life_and_audits_each_step(meeting, secretariat):
    services.meeting_transition(actor=secretariat, meeting=meeting, to_status="convened")
    services.meeting_transition(actor=secretariat, meeting=meeting, to_status="held")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    verbs = list(
        AuditEvent.objects.filter(target_id=str(meeting.pk)).values_list("verb", flat=True)
    )
    assert {"meeting.create", "meeting.convened", "meeting.held"} <= set(verbs)


def test_it_refuses_a_move_the_state_machine_does_not_allow(meeting, secretariat):
    with pytest.raises(ValidationError):
        services.meeting_transition(actor=secretariat, meeting=meeting, to_status="held")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_a_double_click_convenes_only_once(meeting, secretariat):
    stale_copy = Meeting.objects.get(pk=meeting.pk)
    services.meeting_transition(actor=secretariat, meeting=meeting, to_status="convened")
    with pytest.raises(ValidationError):
        services.meeting_transition(actor=secretariat, meeting=stale_copy, to_status="convened")
    assert AuditEvent.objects.filter(verb="meeting.convened").count() == 1


@pytest.mark.parametrize(
    "persona", ["expert_mli", "validator_bfa", "observer", "outsider", "admin_user"]
)
def test_only_the_secretariat_changes_meetings(request, meeting, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.meeting_transition(actor=user, meeting=meeting, to_status="convened")
    with pytest.raises(PermissionDenied):
        services.agenda_item_add(actor=user, meeting=meeting, title="Intrus")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert not meeting.agenda_items.exists()


def test_a_stale_edit_is_refused_and_changes_nothing(meeting, secretariat):
    services.meeting_update(
        actor=secretariat, meeting=meeting, revision=1, changes={"venue": "CICB"}
    )
    with pytest.raises(ValidationError):
        services.meeting_update(
            actor=secretariat, meeting=meeting, revision=1, changes={"venue": "Koulouba"}
        )
    meeting.refresh_from_db()
    assert meeting.venue == "CICB"
    assert meeting.revision == 2


def test_it_refuses_a_meeting_ending_before_it_starts(meeting, secretariat):
    with pytest.raises(ValidationError) as error:
        services.meeting_update(
            actor=secretariat,
            meeting=meeting,
            revision=1,
            changes={"ends_at": meeting.starts_at.replace(hour=1)},
        )
    assert "ends_at" in error.value.message_dict


def test_agenda_items_are_appended_and_reordered(meeting, secretariat):
    first = services.agenda_item_add(actor=secretariat, meeting=meeting, title="Ouverture")
    second = services.agenda_item_add(actor=secretariat, meeting=meeting, title="Examen du plan")
    third = services.agenda_item_add(actor=secretariat, meeting=meeting, title="Clôture")
    services.agenda_reorder(
        actor=secretariat, meeting=meeting, item_ids=[second.pk, first.pk, third.pk]
    )
    assert [i.title for i in selectors.agenda_for_meeting(meeting=meeting)] == [
        "Examen du plan",
        "Ouverture",
        "Clôture",
    ]
    services.agenda_item_move(
        actor=secretariat, item=AgendaItem.objects.get(pk=third.pk), offset=-1
    )
    assert [i.position for i in selectors.agenda_for_meeting(meeting=meeting)] == [1, 2, 3]
    assert selectors.agenda_for_meeting(meeting=meeting)[1].title == "Clôture"


def test_a_reorder_from_a_stale_agenda_is_refused(meeting, secretariat):
    first = services.agenda_item_add(actor=secretariat, meeting=meeting, title="Ouverture")
    services.agenda_item_add(actor=secretariat, meeting=meeting, title="Examen")
    with pytest.raises(ValidationError):
        services.agenda_reorder(actor=secretariat, meeting=meeting, item_ids=[first.pk])


def test_quorum_counts_delegations_present_or_represented(meeting, secretariat, aes, delegates):
    status = selectors.quorum_status(meeting=meeting)
    assert (status.present, status.required, status.is_reached) == (3, 3, True)
    services.attendance_record(
        actor=secretariat,
        meeting=meeting,
        member_state=aes.niger,
        person=delegates.ner_chief,
        is_head_of_delegation=True,
        presence=Presence.EXCUSED,
    )
    assert not selectors.quorum_status(meeting=meeting).is_reached
    services.quorum_rule_set(
        actor=secretariat,
        alliance=aes.alliance,
        kind=MeetingKind.CHIEFS_COMMITTEE,
        minimum_delegations=2,
    )
    assert selectors.quorum_status(meeting=meeting).is_reached


def test_represented_needs_a_representative(meeting, secretariat, aes, delegates):
    with pytest.raises(ValidationError) as error:
        services.attendance_record(
            actor=secretariat,
            meeting=meeting,
            member_state=aes.niger,
            person=delegates.ner_chief,
            presence=Presence.REPRESENTED,
        )
    assert "represented_by" in error.value.message_dict


def test_a_delegation_has_one_head(meeting, secretariat, aes, delegates):
    with pytest.raises(ValidationError):
        services.attendance_record(
            actor=secretariat,
            meeting=meeting,
            member_state=aes.mali,
            person=delegates.camara,
            is_head_of_delegation=True,
        )
    assert meeting.attendances.filter(is_head_of_delegation=True).count() == 3


def test_decisions_are_numbered_per_meeting_with_the_kind_and_month(meeting, secretariat):
    take_decision(meeting, secretariat)
    second = take_decision(meeting, secretariat, text="Le plan est soumis aux Chefs d'État.")
    assert second.reference == "CEMGA-2024-11/D2"


def test_a_follow_up_has_one_owner(meeting, secretariat, aes, delegates):
    with pytest.raises(ValidationError):
        take_decision(
            meeting, secretariat, follow_up_person=delegates.diarra, follow_up_state=aes.mali
        )
    assert not meeting.decisions.exists()


def test_open_follow_ups_list_overdue_first(meeting, secretariat, aes):
    import datetime as dt

    later = take_decision(meeting, secretariat, follow_up="Plus tard", due_date=dt.date(2030, 1, 1))
    overdue = take_decision(
        meeting, secretariat, follow_up="En retard", due_date=dt.date(2024, 12, 1)
    )
    done = take_decision(meeting, secretariat, follow_up="Fait", due_date=dt.date(2024, 11, 30))
    services.follow_up_set_status(actor=secretariat, decision=done, status="done")
    listed = list(selectors.follow_up_list_for_user(user=secretariat, today=dt.date(2025, 1, 1)))
    assert [d.pk for d in listed] == [overdue.pk, later.pk]


def test_minutes_are_frozen_with_a_digest_once_approved(meeting, secretariat):
    item = services.agenda_item_add(actor=secretariat, meeting=meeting, title="Ouverture")
    services.minutes_section_save(
        actor=secretariat, meeting=meeting, agenda_item=item, body="Le **président** ouvre."
    )
    services.minutes_transition(actor=secretariat, meeting=meeting, to_status="circulated")
    with pytest.raises(ValidationError):  # only a draft is edited
        services.minutes_section_save(
            actor=secretariat, meeting=meeting, agenda_item=item, body="Changé", revision=1
        )
    with pytest.raises(ValidationError):  # not before the meeting is held
        services.minutes_transition(actor=secretariat, meeting=meeting, to_status="approved")
    services.meeting_transition(actor=secretariat, meeting=meeting, to_status="convened")
    services.meeting_transition(actor=secretariat, meeting=meeting, to_status="held")
    minutes = services.minutes_transition(actor=secretariat, meeting=meeting, to_status="approved")
    assert minutes.status == MinutesStatus.APPROVED
    assert minutes.digest == digest_of(services.minutes_content(minutes))
    assert AuditEvent.objects.filter(
        verb="minutes.approve", payload__digest=minutes.digest
    ).exists()
    with pytest.raises(ValidationError):
        services.minutes_section_save(
            actor=secretariat, meeting=meeting, agenda_item=item, body="Changé", revision=1
        )
    with pytest.raises(ValidationError):
        services.minutes_transition(actor=secretariat, meeting=meeting, to_status="draft")
    minutes.refresh_from_db()
    assert minutes.sections.get().body == "Le **président** ouvre."


def test_minutes_render_sanitised_markdown():
    from liptako.meetings.markdown import render_markdown

    html = render_markdown("**Ouverture**\n\n<script>alert(1)</script>[x](javascript:alert(1))")
    assert "<strong>Ouverture</strong>" in html
    assert "<script>" not in html
    assert "javascript:" not in html


def test_meetings_are_seen_through_visible_to(
    meeting, secretariat, expert_mli, validator_bfa, observer, outsider, admin_user, markings, aes
):
    services.meeting_update(
        actor=secretariat,
        meeting=meeting,
        revision=1,
        changes={"classification": markings["DR"]},
        releasable_to=[aes.mali],
    )
    seen = {
        name: Meeting.objects.visible_to(user).filter(pk=meeting.pk).exists()
        for name, user in {
            "secretariat": secretariat,
            "expert_mli": expert_mli,  # Mali, DR
            "validator_bfa": validator_bfa,  # wrong member state
            "observer": observer,  # Mali, NP clearance only
            "outsider": outsider,  # no role
            "admin": admin_user,  # no content
        }.items()
    }
    assert seen == {
        "secretariat": True,
        "expert_mli": True,
        "validator_bfa": False,
        "observer": False,
        "outsider": False,
        "admin": False,
    }
