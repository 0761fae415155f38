"""The alliance part of the demo: the AES as the seed describes it, built through services.

Real people appear only as the seed names them (with the rank and post it gives); every
other person is a clearly fictional demo character (docs/decisions/0025-demo-people.md).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from liptako.accounts.models import Membership
from liptako.alliance import services
from liptako.alliance.models import (
    Alliance,
    MemberState,
    Organisation,
    OrganisationKind,
    Person,
    Position,
    Rank,
)
from liptako.demo.context import DemoContext

ALLIANCE_BODY_KEY = "AES"


@dataclass(frozen=True)
class StateSpec:
    code: str
    name: str
    capital: str
    timezone: str
    presidency: str
    ministry: str
    ministry_acronym: str


STATES = [
    StateSpec(
        "MLI",
        "Mali",
        "Bamako",
        "Africa/Bamako",
        "Présidence de la République",
        "Ministère de la Défense et des Anciens Combattants",
        "MDAC",
    ),
    StateSpec(
        "BFA",
        "Burkina Faso",
        "Ouagadougou",
        "Africa/Ouagadougou",
        "Présidence du Faso",
        "Ministère de la Défense",
        "",
    ),
    StateSpec(
        "NER",
        "Niger",
        "Niamey",
        "Africa/Niamey",
        "Présidence de la République",
        "Ministère de la Défense",
        "",
    ),
]

# Organisations of every member state: key, kind, name, acronym, parent key.
STATE_ORGANISATIONS: list[tuple[str, OrganisationKind, str, str, str | None]] = [
    ("emga", OrganisationKind.GENERAL_STAFF, "État-major général des armées", "EMGA", "ministry"),
    ("emat", OrganisationKind.STAFF, "État-major de l'armée de terre", "EMAT", "emga"),
    ("emaa", OrganisationKind.STAFF, "État-major de l'armée de l'air", "EMAA", "emga"),
    (
        "dssa",
        OrganisationKind.DIRECTORATE,
        "Direction du service de santé des armées",
        "DSSA",
        "emga",
    ),
    ("transmissions", OrganisationKind.DIRECTORATE, "Direction des transmissions", "", "emga"),
    (
        "logistics",
        OrganisationKind.SERVICE,
        "Direction du commissariat des armées",
        "",
        "emga",
    ),
]

ALLIANCE_BODIES: list[tuple[str, str, str]] = [
    ("force", "Force unifiée (Force conjointe) de l'AES", "FU-AES"),
    ("chiefs_committee", "Comité des Chefs d'État-major", ""),
    ("secretariat", "Secrétariat permanent", ""),
]


@dataclass(frozen=True)
class PersonSpec:
    key: str  # "MLI:cemga"
    first_name: str
    last_name: str
    rank: Rank | None
    positions: tuple[tuple[str, str, datetime.date | None, datetime.date | None], ...]
    # (organisation key, title, start, end)
    title: str = ""
    is_fictional: bool = True


def _d(year: int, month: int, day: int) -> datetime.date:
    return datetime.date(year, month, day)


MEMBER = "Membre"
CEMGA = "Chef d'État-major Général des Armées"

PEOPLE: list[PersonSpec] = [
    # --- named in the seed (Mali) ---
    PersonSpec(
        "MLI:cemga",
        "Oumar",
        "DIARRA",
        Rank.GENERAL_DIVISION,
        (
            ("MLI:emga", CEMGA, None, None),
            ("AES:chiefs_committee", MEMBER, None, None),
        ),
        is_fictional=False,
    ),
    PersonSpec(
        "MLI:head_of_state",
        "Assimi",
        "GOÏTA",
        Rank.GENERAL_ARMEE,
        (("MLI:presidency", "Président de la Transition, Chef de l'État", None, None),),
        is_fictional=False,
    ),
    PersonSpec(
        "MLI:minister",
        "Sadio",
        "CAMARA",
        Rank.GENERAL_CORPS_ARMEE,
        (("MLI:ministry", "Ministre de la Défense et des Anciens Combattants", None, None),),
        is_fictional=False,
    ),
    PersonSpec(
        "MLI:journalist",
        "Hamadou",
        "MAKOUNOU",
        Rank.SERGENT,
        (("MLI:dirpa", "Rédacteur", None, None),),
        is_fictional=False,
    ),
    # --- fictional demo characters (names say so) ---
    PersonSpec(
        "MLI:expert1",
        "Seydou",
        "EXEMPLE",
        Rank.COLONEL,
        (("MLI:dssa", "Directeur adjoint du service de santé des armées", _d(2022, 10, 1), None),),
    ),
    PersonSpec(
        "MLI:expert2",
        "Aïssata",
        "MODÈLE",
        Rank.LIEUTENANT_COLONEL,
        (
            ("MLI:transmissions", "Cheffe de la division des systèmes", _d(2023, 3, 1), None),
            ("MLI:emaa", "Officier transmissions", _d(2019, 9, 1), _d(2023, 2, 28)),
        ),
    ),
    PersonSpec(
        "MLI:focal_point",
        "Moussa",
        "ESSAI",
        Rank.COMMANDANT,
        (("MLI:emga", "Point focal national AES", _d(2024, 1, 15), None),),
    ),
    PersonSpec(
        "BFA:cemga",
        "Issouf",
        "FICTIF",
        Rank.GENERAL_BRIGADE,
        (
            ("BFA:emga", CEMGA, _d(2023, 10, 1), None),
            ("AES:chiefs_committee", MEMBER, _d(2023, 10, 1), None),
            ("BFA:emat", "Chef d'état-major de l'armée de terre", _d(2021, 6, 1), _d(2023, 9, 30)),
        ),
    ),
    PersonSpec(
        "BFA:expert1",
        "Salif",
        "SPÉCIMEN",
        Rank.COLONEL_MAJOR,
        (("BFA:dssa", "Directeur du service de santé des armées", _d(2022, 1, 10), None),),
    ),
    PersonSpec(
        "BFA:expert2",
        "Awa",
        "MAQUETTE",
        Rank.CAPITAINE,
        (("BFA:transmissions", "Cheffe du bureau des réseaux", _d(2023, 7, 1), None),),
    ),
    PersonSpec(
        "BFA:focal_point",
        "Hawa",
        "ÉCHANTILLON",
        Rank.COMMANDANT,
        (("BFA:emga", "Point focal national AES", _d(2024, 2, 1), None),),
    ),
    PersonSpec(
        "NER:cemga",
        "Amadou",
        "DÉMO",
        Rank.GENERAL_DIVISION,
        (
            ("NER:emga", CEMGA, _d(2023, 8, 1), None),
            ("AES:chiefs_committee", MEMBER, _d(2023, 9, 16), None),
        ),
    ),
    PersonSpec(
        "NER:expert1",
        "Ibrahim",
        "PROTOTYPE",
        Rank.COLONEL,
        (("NER:transmissions", "Directeur des transmissions", _d(2022, 5, 2), None),),
    ),
    PersonSpec(
        "NER:expert2",
        "Mariama",
        "TÉMOIN",
        Rank.LIEUTENANT_COLONEL,
        (("NER:dssa", "Médecin-cheffe, bureau de la santé opérationnelle", _d(2021, 11, 1), None),),
    ),
    PersonSpec(
        "NER:focal_point",
        "Abdoulaye",
        "ÉPREUVE",
        Rank.CAPITAINE,
        (("NER:emga", "Point focal national AES", _d(2024, 3, 1), None),),
    ),
    PersonSpec(
        "AES:secretariat",
        "Fatoumata",
        "ESQUISSE",
        None,
        (("AES:secretariat", "Chargée du suivi des plans d'action", _d(2024, 7, 6), None),),
        title="Madame",
    ),
]


def load(context: DemoContext) -> None:
    """Create the alliance, its member states, organisations, people and positions."""
    alliance = services.alliance_create(
        actor=None,
        name="Alliance des États du Sahel",
        acronym="AES",
        founded_on=_d(2023, 9, 16),
        founding_text="Charte du Liptako-Gourma",
        description="Confédération des États du Sahel depuis juillet 2024.",
    )
    context.alliance = alliance
    for spec in STATES:
        state = services.member_state_create(
            actor=None,
            alliance=alliance,
            code=spec.code,
            name=spec.name,
            capital=spec.capital,
            timezone=spec.timezone,
        )
        context.member_states[spec.code] = state
        _load_state_organisations(context, alliance, state, spec)
    for key, name, acronym in ALLIANCE_BODIES:
        context.organisations[f"{ALLIANCE_BODY_KEY}:{key}"] = services.organisation_create(
            actor=None,
            alliance=alliance,
            kind=OrganisationKind.ALLIANCE_BODY,
            name=name,
            acronym=acronym,
        )
    for person_spec in PEOPLE:
        _load_person(context, person_spec)


def _load_state_organisations(
    context: DemoContext, alliance: Alliance, state: MemberState, spec: StateSpec
) -> None:
    def add(
        key: str, kind: str, name: str, acronym: str = "", parent: str | None = None
    ) -> Organisation:
        organisation = services.organisation_create(
            actor=None,
            alliance=alliance,
            member_state=state,
            kind=kind,
            name=name,
            acronym=acronym,
            parent=context.organisations[f"{state.code}:{parent}"] if parent else None,
        )
        context.organisations[f"{state.code}:{key}"] = organisation
        return organisation

    add("presidency", OrganisationKind.HEAD_OF_STATE_OFFICE, spec.presidency)
    add("ministry", OrganisationKind.MINISTRY, spec.ministry, spec.ministry_acronym)
    for key, kind, name, acronym, parent in STATE_ORGANISATIONS:
        add(key, kind, name, acronym, parent)
    if state.code == "MLI":
        # The source of the seed article: the Malian armed forces' communication (FAMA).
        add(
            "dirpa",
            OrganisationKind.DIRECTORATE,
            "Direction de l'information et des relations publiques des armées",
            "DIRPA",
            "ministry",
        )


def _load_person(context: DemoContext, spec: PersonSpec) -> None:
    state_code = spec.key.split(":", 1)[0]
    person = services.person_create(
        actor=None,
        member_state=context.member_states.get(state_code),
        first_name=spec.first_name,
        last_name=spec.last_name,
        rank=spec.rank.value if spec.rank is not None else None,
        title=spec.title,
        # Only fictional characters get a (non-deliverable) address; real people get none.
        email=f"{spec.key.replace(':', '.').lower()}@demo.liptako.invalid"
        if spec.is_fictional
        else "",
    )
    context.people[spec.key] = person
    for organisation_key, title, start, end in spec.positions:
        services.position_create(
            actor=None,
            person=person,
            organisation=context.organisations[organisation_key],
            title=title,
            start_date=start,
            end_date=end,
        )


def delete() -> dict[str, int]:
    """Remove the whole directory (for ``liptako demo --reset``); returns counts per model.

    Memberships tied to the member states go too (the accounts part re-grants the demo's).
    """
    counts = {
        "position": Position.objects.all().delete()[0],
        "person": Person.objects.all().delete()[0],
    }
    # Parents are protected from deletion: detach them first, then delete in one go.
    Organisation.objects.update(parent=None)
    counts["organisation"] = Organisation.objects.all().delete()[0]
    counts["membership"] = Membership.objects.filter(member_state__isnull=False).delete()[0]
    counts["member_state"] = MemberState.objects.all().delete()[0]
    counts["alliance"] = Alliance.objects.all().delete()[0]
    return counts
