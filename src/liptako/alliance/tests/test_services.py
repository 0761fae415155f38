"""Directory services: what they change, what they refuse, and the audit rows they write."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from liptako.alliance import services
from liptako.alliance.models import MemberState, Organisation, OrganisationKind, Person, Rank
from liptako.audit.models import AuditEvent


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None
    return event


def test_it_creates_a_member_state_with_its_audit_event(aes, secretariat):
    state = services.member_state_create(
        actor=secretariat,
        alliance=aes.alliance,
        code="TCD",
        name="Tchad",
        capital="N'Djamena",
        timezone="Africa/Ndjamena",
    )
    assert MemberState.objects.get(code="TCD").capital == "N'Djamena"
    event = last_event()
    assert (event.verb, event.actor_id, event.target_id) == (
        "member_state.create",
        secretariat.pk,
        str(state.pk),
    )


@pytest.mark.parametrize("code", ["tcd", "TC", "TCDX", "T1D", "ÉTA", ""])
def test_it_refuses_a_code_that_is_not_three_capital_letters(aes, secretariat, code):
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.member_state_create(
            actor=secretariat, alliance=aes.alliance, code=code, name="Tchad"
        )
    assert "code" in error.value.message_dict
    assert not MemberState.objects.filter(name="Tchad").exists()


def test_the_code_error_is_in_french(aes, secretariat):
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.member_state_create(
            actor=secretariat, alliance=aes.alliance, code="tcd", name="Tchad"
        )
    assert "trois lettres majuscules" in error.value.message_dict["code"][0]


def test_it_refuses_an_unknown_time_zone_and_a_duplicate_code(aes, secretariat):
    with pytest.raises(ValidationError) as error:
        services.member_state_create(
            actor=secretariat, alliance=aes.alliance, code="MLI", name="Mali bis", timezone="Mars"
        )
    assert set(error.value.message_dict) == {"code", "timezone"}
    assert MemberState.objects.count() == 3


@pytest.mark.parametrize("persona", ["expert_mli", "validator_bfa", "observer", "admin_user"])
def test_only_the_secretariat_edits_the_directory(aes, persona, request):
    actor = request.getfixturevalue(persona)
    events_before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.member_state_update(
            actor=actor, member_state=aes.mali, name="Changed", capital="", timezone="UTC"
        )
    with pytest.raises(PermissionDenied):
        services.person_create(actor=actor, first_name="A", last_name="B")
    aes.mali.refresh_from_db()
    assert aes.mali.name == "Mali"
    assert not Person.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_it_updates_a_member_state_and_records_what_changed(aes, secretariat):
    services.member_state_update(
        actor=secretariat,
        member_state=aes.niger,
        expected_updated_at=aes.niger.updated_at,
        name="Niger",
        capital="Niamey",
        timezone="Africa/Niamey",
    )
    aes.niger.refresh_from_db()
    assert aes.niger.capital == "Niamey"
    assert last_event().payload == {"changes": {"capital": ["", "Niamey"]}}


def test_a_concurrent_edit_is_refused_not_overwritten(directory, secretariat):
    stale = directory.diarra.updated_at
    services.person_update(
        actor=secretariat,
        person=directory.diarra,
        expected_updated_at=stale,
        first_name="Oumar",
        last_name="DIARRA",
        member_state=directory.aes.mali,
        rank=Rank.GENERAL_CORPS_ARMEE,
        title="",
        email="",
        user=None,
    )
    with pytest.raises(services.ConcurrentEditError):
        services.person_update(
            actor=secretariat,
            person=directory.diarra,
            expected_updated_at=stale,
            first_name="Oumar",
            last_name="DIARRA",
            member_state=directory.aes.mali,
            rank=Rank.COLONEL,
            title="",
            email="",
            user=None,
        )
    directory.diarra.refresh_from_db()
    assert directory.diarra.rank == Rank.GENERAL_CORPS_ARMEE


def test_a_person_has_a_rank_or_a_civil_title_not_both(aes, secretariat):
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.person_create(
            actor=secretariat,
            first_name="Sadio",
            last_name="CAMARA",
            rank=Rank.GENERAL_CORPS_ARMEE,
            title="Ministre",
        )
    assert "title" in error.value.message_dict
    assert not Person.objects.exists()
    civilian = services.person_create(
        actor=secretariat, first_name="Awa", last_name="KONÉ", title="Madame"
    )
    assert civilian.display_name == "Madame Awa KONÉ"


def test_a_sub_organisation_stays_in_its_parents_member_state(directory, secretariat):
    with pytest.raises(ValidationError) as error:
        services.organisation_create(
            actor=secretariat,
            alliance=directory.aes.alliance,
            member_state=directory.aes.burkina,
            parent=directory.emga_mli,
            kind=OrganisationKind.DIRECTORATE,
            name="Direction des transmissions",
        )
    assert "parent" in error.value.message_dict
    assert not Organisation.objects.filter(name="Direction des transmissions").exists()


def test_an_organisation_cannot_be_moved_under_its_own_unit(directory, secretariat):
    with pytest.raises(ValidationError) as error:
        services.organisation_update(
            actor=secretariat,
            organisation=directory.emga_mli,
            kind=OrganisationKind.GENERAL_STAFF,
            name=directory.emga_mli.name,
            acronym="EMGA",
            parent=directory.dssa_mli,
        )
    assert "parent" in error.value.message_dict
    directory.emga_mli.refresh_from_db()
    assert directory.emga_mli.parent_id is None


def test_organisation_names_are_unique_per_member_state_with_a_field_message(
    directory, secretariat
):
    with pytest.raises(ValidationError) as error:
        services.organisation_create(
            actor=secretariat,
            alliance=directory.aes.alliance,
            member_state=directory.aes.mali,
            kind=OrganisationKind.GENERAL_STAFF,
            name="état-major général des armées".capitalize(),
        )
    assert "name" in error.value.message_dict
    # The same name in another member state is another organisation.
    services.organisation_create(
        actor=secretariat,
        alliance=directory.aes.alliance,
        member_state=directory.aes.niger,
        kind=OrganisationKind.GENERAL_STAFF,
        name="État-major général des armées",
    )


def test_an_alliance_body_holds_no_member_state(directory, secretariat):
    with pytest.raises(ValidationError) as error:
        services.organisation_create(
            actor=secretariat,
            alliance=directory.aes.alliance,
            member_state=directory.aes.mali,
            kind=OrganisationKind.ALLIANCE_BODY,
            name="Force unifiée",
        )
    assert "kind" in error.value.message_dict


def test_a_position_cannot_end_before_it_starts(directory, secretariat):
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.position_create(
            actor=secretariat,
            person=directory.goita,
            organisation=directory.emga_mli,
            title="Conseiller",
            start_date=datetime.date(2024, 5, 1),
            end_date=datetime.date(2024, 4, 30),
        )
    assert "date de fin" in error.value.message_dict["end_date"][0]
    assert not directory.goita.positions.exists()


def test_ending_a_position_closes_it_once(directory, secretariat):
    position = services.position_end(
        actor=secretariat,
        position=directory.diarra_cemga,
        end_date=datetime.date(2025, 1, 31),
    )
    assert position.end_date == datetime.date(2025, 1, 31)
    assert not position.is_current
    assert last_event().verb == "position.end"
    with pytest.raises(ValidationError):
        services.position_end(
            actor=secretariat, position=position, end_date=datetime.date(2025, 2, 1)
        )
    position.refresh_from_db()
    assert position.end_date == datetime.date(2025, 1, 31)


def test_ending_before_the_start_is_refused(directory, secretariat):
    with pytest.raises(ValidationError):
        services.position_end(
            actor=secretariat,
            position=directory.diarra_cemga,
            end_date=datetime.date(2020, 1, 1),
        )
    directory.diarra_cemga.refresh_from_db()
    assert directory.diarra_cemga.end_date is None


def test_every_directory_write_is_in_the_audit_log(directory):
    verbs = list(AuditEvent.objects.order_by("sequence").values_list("verb", flat=True))
    assert verbs.count("organisation.create") == 4
    assert verbs.count("person.create") == 2
    assert verbs.count("position.create") == 2
