"""Meetings fixtures: people of the three delegations and a chiefs' committee in Bamako."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from liptako.accounts.models import User
from liptako.alliance.models import Organisation, OrganisationKind, Person, Position, Rank
from liptako.meetings import services
from liptako.meetings.models import DecisionKind, Meeting, MeetingKind
from liptako.testing import AllianceFixture

UTC = dt.UTC


@dataclass
class Delegates:
    diarra: Person
    bfa_chief: Person
    ner_chief: Person
    camara: Person
    expert: Person


@pytest.fixture
def delegates(aes: AllianceFixture, expert_mli: User) -> Delegates:
    staff = Organisation.objects.create(
        alliance=aes.alliance,
        member_state=aes.mali,
        kind=OrganisationKind.GENERAL_STAFF,
        name="État-major Général des Armées",
    )
    diarra = Person.objects.create(
        member_state=aes.mali,
        first_name="Oumar",
        last_name="Diarra",
        rank=Rank.GENERAL_DIVISION,
        email="diarra@example.org",
    )
    Position.objects.create(
        person=diarra,
        organisation=staff,
        title="Chef d'État-major Général des Armées du Mali",
        start_date=dt.date(2024, 1, 1),
    )
    return Delegates(
        diarra=diarra,
        bfa_chief=Person.objects.create(
            member_state=aes.burkina,
            first_name="Célestin",
            last_name="Simporé",
            rank=Rank.GENERAL_BRIGADE,
            email="simpore@example.org",
        ),
        ner_chief=Person.objects.create(
            member_state=aes.niger,
            first_name="Moussa",
            last_name="Barmou",
            rank=Rank.GENERAL_BRIGADE,
        ),
        camara=Person.objects.create(
            member_state=aes.mali,
            first_name="Sadio",
            last_name="Camara",
            rank=Rank.GENERAL_CORPS_ARMEE,
        ),
        # An expert with a user account (English) and no address of their own.
        expert=Person.objects.create(
            member_state=aes.mali, first_name="Awa", last_name="Traoré", user=expert_mli
        ),
    )


def at(day: int, hour: int = 8, month: int = 11, year: int = 2024) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def meeting(aes: AllianceFixture, secretariat: User, delegates: Delegates) -> Meeting:
    """The chiefs' committee of 6 November 2024, planned, NP, with its three delegations."""
    created = services.meeting_create(
        actor=secretariat,
        alliance=aes.alliance,
        title="Réunion des Chefs d'État-major Généraux des Armées de l'AES",
        kind=MeetingKind.CHIEFS_COMMITTEE,
        purpose="la finalisation du projet de plan d'action « Défense et Sécurité »",
        starts_at=at(6, 8),
        ends_at=at(6, 17),
        city="Bamako",
        venue="État-major Général des Armées",
        host_state=aes.mali,
        chair=delegates.diarra,
    )
    for state, person in (
        (aes.mali, delegates.diarra),
        (aes.burkina, delegates.bfa_chief),
        (aes.niger, delegates.ner_chief),
    ):
        services.attendance_record(
            actor=secretariat,
            meeting=created,
            member_state=state,
            person=person,
            is_head_of_delegation=True,
            role="Chef d'État-major Général des Armées",
            is_publishable=True,
        )
    services.attendance_record(
        actor=secretariat,
        meeting=created,
        member_state=aes.mali,
        person=delegates.expert,
        role="Expert",
    )
    return created


def take_decision(meeting: Meeting, actor: User, **kwargs: object) -> object:
    defaults: dict[str, object] = {"kind": DecisionKind.VALIDATED, "text": "Le plan est validé."}
    defaults.update(kwargs)
    return services.meeting_decision_take(actor=actor, meeting=meeting, **defaults)  # type: ignore[arg-type]
