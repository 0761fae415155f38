"""A small directory built through the services, on top of the shared ``aes`` fixture."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from liptako.alliance import services
from liptako.alliance.models import Organisation, OrganisationKind, Person, Position, Rank
from liptako.testing import AllianceFixture


@dataclass
class Directory:
    aes: AllianceFixture
    emga_mli: Organisation
    dssa_mli: Organisation
    emga_bfa: Organisation
    committee: Organisation
    diarra: Person
    goita: Person
    diarra_cemga: Position


@pytest.fixture
def directory(aes: AllianceFixture) -> Directory:
    emga_mli = services.organisation_create(
        actor=None,
        alliance=aes.alliance,
        member_state=aes.mali,
        kind=OrganisationKind.GENERAL_STAFF,
        name="État-major général des armées",
        acronym="EMGA",
    )
    dssa_mli = services.organisation_create(
        actor=None,
        alliance=aes.alliance,
        member_state=aes.mali,
        parent=emga_mli,
        kind=OrganisationKind.DIRECTORATE,
        name="Direction du service de santé des armées",
        acronym="DSSA",
    )
    emga_bfa = services.organisation_create(
        actor=None,
        alliance=aes.alliance,
        member_state=aes.burkina,
        kind=OrganisationKind.GENERAL_STAFF,
        name="État-major général des armées",
        acronym="EMGA",
    )
    committee = services.organisation_create(
        actor=None,
        alliance=aes.alliance,
        kind=OrganisationKind.ALLIANCE_BODY,
        name="Comité des Chefs d'État-major",
    )
    diarra = services.person_create(
        actor=None,
        member_state=aes.mali,
        first_name="Oumar",
        last_name="DIARRA",
        rank=Rank.GENERAL_DIVISION,
    )
    goita = services.person_create(
        actor=None,
        member_state=aes.mali,
        first_name="Assimi",
        last_name="GOÏTA",
        rank=Rank.GENERAL_ARMEE,
    )
    diarra_cemga = services.position_create(
        actor=None,
        person=diarra,
        organisation=emga_mli,
        title="Chef d'État-major Général des Armées",
        start_date=datetime.date(2021, 1, 1),
    )
    services.position_create(actor=None, person=diarra, organisation=committee, title="Membre")
    return Directory(
        aes=aes,
        emga_mli=emga_mli,
        dssa_mli=dssa_mli,
        emga_bfa=emga_bfa,
        committee=committee,
        diarra=diarra,
        goita=goita,
        diarra_cemga=diarra_cemga,
    )


def add_people(aes: AllianceFixture, organisation: Organisation, count: int) -> None:
    """``count`` more people, each with a current position (for query-count tests)."""
    for number in range(count):
        person = services.person_create(
            actor=None,
            member_state=aes.mali,
            first_name=f"Expert{number}",
            last_name=f"TRAORÉ{number}",
            rank=Rank.CAPITAINE,
        )
        services.position_create(
            actor=None, person=person, organisation=organisation, title="Expert"
        )
