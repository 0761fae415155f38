"""The plans part of the demo: « Plan d'action Défense et Sécurité 2025 » of the AES.

Five axes, fifteen objectives, forty joint actions with their indicators and a few milestones,
led and joined by Mali, Burkina Faso and Niger, with budgets in FCFA across 2025; mostly NP,
some DR, a few C. The content stays at the level of cooperation (interoperability of
communications, joint training, harmonised doctrine, shared logistics and medical support,
planning of joint exercises, civil-military relations): no operational detail.

Version 1 is frozen by the secretariat with the experts' workshop of 4 and 5 November 2024; the
draft is then slightly changed (an action retitled, one added, one moved, one indicator
retargeted) and commented, so the diff and the outline have something to show.
Everything goes through the plans services, as the demo's secretariat and experts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from liptako.accounts.models import Role, User
from liptako.core.db_triggers import create_immutable_triggers, drop_immutable_triggers
from liptako.core.models import MarkingLevel
from liptako.demo.context import DemoContext
from liptako.plans import services
from liptako.plans.models import Action, Comment, Plan, PlanVersion
from liptako.plans.services import IndicatorChanges

TITLE = "Plan d'action Défense et Sécurité 2025"
WORKSHOP_FREEZE = dt.datetime(2024, 11, 5, 17, 30, tzinfo=dt.UTC)  # Bamako is on GMT


def _d(month: int, day: int) -> dt.date:
    return dt.date(2025, month, day)


@dataclass(frozen=True)
class IndicatorSpec:
    name: str
    measure: str = "number"
    unit: str = ""
    target: str = ""  # a number, or words for a qualitative indicator
    baseline: str = ""
    verification: str = ""
    time_aggregation: str = "cumulative"
    state_aggregation: str = "sum"
    direction: str = "increase"


@dataclass(frozen=True)
class ActionSpec:
    title: str
    lead: str  # ISO code
    partners: tuple[str, ...]
    organisation: str  # key in the directory: "{lead}:transmissions", "AES:secretariat"
    start: dt.date
    end: dt.date
    budget: int | None
    priority: str = "medium"
    marking: str = "NP"
    description: str = ""
    indicators: tuple[IndicatorSpec, ...] = ()
    milestones: tuple[tuple[str, dt.date], ...] = ()


@dataclass(frozen=True)
class ObjectiveSpec:
    title: str
    actions: tuple[ActionSpec, ...]


@dataclass(frozen=True)
class AxisSpec:
    title: str
    description: str
    objectives: tuple[ObjectiveSpec, ...] = field(default_factory=tuple)


ALL = ("MLI", "BFA", "NER")


def _others(lead: str) -> tuple[str, ...]:
    return tuple(code for code in ALL if code != lead)


def _a(
    title: str,
    lead: str,
    organisation: str,
    start: dt.date,
    end: dt.date,
    budget: int | None,
    **extra: Any,
) -> ActionSpec:
    partners = extra.pop("partners", _others(lead))
    return ActionSpec(
        title=title,
        lead=lead,
        partners=partners,
        organisation=organisation,
        start=start,
        end=end,
        budget=budget,
        **extra,
    )


def _count(name: str, target: int, unit: str, verification: str, **extra: Any) -> IndicatorSpec:
    return IndicatorSpec(
        name=name, unit=unit, target=str(target), baseline="0", verification=verification, **extra
    )


def _done(name: str, verification: str) -> IndicatorSpec:
    return IndicatorSpec(
        name=name,
        measure="yes_no",
        target="1",
        baseline="0",
        verification=verification,
        time_aggregation="latest",
        state_aggregation="none",
    )


def _rate(name: str, target: int, baseline: int, verification: str) -> IndicatorSpec:
    return IndicatorSpec(
        name=name,
        measure="percentage",
        unit="%",
        target=str(target),
        baseline=str(baseline),
        verification=verification,
        time_aggregation="latest",
        state_aggregation="mean",
    )


AXES: tuple[AxisSpec, ...] = (
    AxisSpec(
        "Interopérabilité des systèmes de communication",
        "Permettre aux forces des États membres de communiquer entre elles selon des normes "
        "et des procédures communes.",
        (
            ObjectiveSpec(
                "Normes et procédures communes de transmission",
                (
                    _a(
                        "Adopter un référentiel commun de normes de transmission",
                        "MLI",
                        "MLI:transmissions",
                        _d(1, 15),
                        _d(6, 30),
                        45_000_000,
                        priority="high",
                        indicators=(
                            _done(
                                "Référentiel adopté par les trois États",
                                "Procès-verbal du Comité des Chefs d'État-major",
                            ),
                        ),
                        milestones=(
                            ("Projet de référentiel diffusé", _d(3, 31)),
                            ("Référentiel adopté", _d(6, 30)),
                        ),
                    ),
                    _a(
                        "Établir un annuaire commun des points de contact des transmissions",
                        "BFA",
                        "BFA:transmissions",
                        _d(2, 1),
                        _d(4, 30),
                        5_000_000,
                        indicators=(
                            _done(
                                "Annuaire diffusé et mis à jour",
                                "Annuaire publié par le Secrétariat permanent",
                            ),
                        ),
                    ),
                    _a(
                        "Harmoniser les procédures d'exploitation des réseaux radio",
                        "NER",
                        "NER:transmissions",
                        _d(3, 1),
                        _d(9, 30),
                        30_000_000,
                        marking="DR",
                        indicators=(
                            _count(
                                "Procédures communes validées",
                                6,
                                "procédures",
                                "Recueil des procédures communes",
                            ),
                        ),
                    ),
                ),
            ),
            ObjectiveSpec(
                "Équipements interopérables",
                (
                    _a(
                        "Recenser les équipements de transmission en dotation",
                        "MLI",
                        "MLI:transmissions",
                        _d(1, 15),
                        _d(5, 31),
                        12_000_000,
                        marking="DR",
                        indicators=(_rate("Unités recensées", 100, 0, "Rapport de recensement"),),
                    ),
                    _a(
                        "Définir un cahier des charges commun pour les acquisitions",
                        "BFA",
                        "BFA:logistics",
                        _d(4, 1),
                        _d(10, 31),
                        20_000_000,
                        indicators=(
                            _done("Cahier des charges adopté", "Décision des Chefs d'État-major"),
                        ),
                    ),
                    _a(
                        "Mettre en place une messagerie sécurisée commune entre états-majors",
                        "NER",
                        "AES:force",
                        _d(5, 1),
                        _d(12, 15),
                        350_000_000,
                        priority="high",
                        marking="C",
                        indicators=(
                            _rate(
                                "États-majors raccordés", 100, 0, "Procès-verbal de mise en service"
                            ),
                        ),
                    ),
                ),
            ),
            ObjectiveSpec(
                "Compétences des opérateurs",
                (
                    _a(
                        "Former des formateurs aux procédures communes de transmission",
                        "BFA",
                        "BFA:transmissions",
                        _d(6, 1),
                        _d(11, 30),
                        60_000_000,
                        indicators=(
                            _count(
                                "Formateurs certifiés", 30, "formateurs", "Listes de certification"
                            ),
                        ),
                        milestones=(("Première session tenue", _d(7, 15)),),
                    ),
                    _a(
                        "Organiser le séminaire annuel des directeurs des transmissions",
                        "MLI",
                        "MLI:transmissions",
                        _d(9, 1),
                        _d(9, 30),
                        15_000_000,
                        priority="low",
                        indicators=(_done("Séminaire tenu", "Compte rendu du séminaire"),),
                    ),
                ),
            ),
        ),
    ),
    AxisSpec(
        "Formation et entraînement conjoints",
        "Former ensemble les cadres et les unités pour partager une culture militaire commune.",
        (
            ObjectiveSpec(
                "Écoles et cursus partagés",
                (
                    _a(
                        "Ouvrir les écoles militaires nationales aux stagiaires des États membres",
                        "MLI",
                        "MLI:emga",
                        _d(1, 1),
                        _d(12, 31),
                        120_000_000,
                        priority="high",
                        indicators=(
                            _count(
                                "Places offertes aux stagiaires des États membres",
                                150,
                                "places",
                                "Arrêtés d'admission",
                            ),
                            _rate(
                                "Taux d'occupation des places offertes",
                                90,
                                0,
                                "Rapports des écoles",
                            ),
                        ),
                    ),
                    _a(
                        "Harmoniser les programmes de formation initiale des officiers",
                        "BFA",
                        "BFA:emat",
                        _d(2, 1),
                        _d(9, 30),
                        25_000_000,
                        indicators=(
                            _count("Modules harmonisés", 12, "modules", "Programmes approuvés"),
                        ),
                    ),
                    _a(
                        "Créer un module commun de formation d'état-major",
                        "NER",
                        "NER:emga",
                        _d(3, 1),
                        _d(11, 30),
                        40_000_000,
                        indicators=(_done("Module commun ouvert", "Programme du module"),),
                    ),
                    _a(
                        "Organiser des stages conjoints de spécialisation",
                        "BFA",
                        "BFA:emaa",
                        _d(4, 1),
                        _d(12, 15),
                        75_000_000,
                        indicators=(
                            _count("Stagiaires formés", 200, "stagiaires", "Attestations de stage"),
                        ),
                    ),
                ),
            ),
            ObjectiveSpec(
                "Échanges d'instructeurs",
                (
                    _a(
                        "Établir un programme d'échange d'instructeurs",
                        "NER",
                        "NER:emat",
                        _d(2, 15),
                        _d(12, 31),
                        35_000_000,
                        indicators=(
                            _count(
                                "Instructeurs échangés", 24, "instructeurs", "Ordres de mission"
                            ),
                        ),
                    ),
                    _a(
                        "Constituer un vivier commun d'instructeurs spécialisés",
                        "MLI",
                        "MLI:emat",
                        _d(3, 1),
                        _d(8, 31),
                        10_000_000,
                        marking="DR",
                        indicators=(
                            _count(
                                "Instructeurs inscrits au vivier",
                                60,
                                "instructeurs",
                                "Registre du vivier",
                            ),
                        ),
                    ),
                ),
            ),
            ObjectiveSpec(
                "Droit international humanitaire",
                (
                    _a(
                        "Intégrer un module commun de droit international humanitaire",
                        "BFA",
                        "BFA:emga",
                        _d(1, 15),
                        _d(6, 30),
                        18_000_000,
                        priority="high",
                        indicators=(
                            _rate("Écoles dispensant le module", 100, 20, "Programmes des écoles"),
                        ),
                    ),
                    _a(
                        "Former des conseillers juridiques des états-majors",
                        "MLI",
                        "MLI:emga",
                        _d(5, 1),
                        _d(11, 30),
                        22_000_000,
                        indicators=(
                            _count(
                                "Conseillers formés", 18, "conseillers", "Attestations de formation"
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    AxisSpec(
        "Doctrine et procédures harmonisées",
        "Disposer de références communes pour travailler ensemble.",
        (
            ObjectiveSpec(
                "Doctrine commune de coopération",
                (
                    _a(
                        "Rédiger un glossaire doctrinal commun",
                        "NER",
                        "NER:emga",
                        _d(1, 15),
                        _d(5, 31),
                        8_000_000,
                        indicators=(
                            _done("Glossaire publié", "Glossaire diffusé aux états-majors"),
                        ),
                    ),
                    _a(
                        "Élaborer la doctrine commune de coopération interarmées",
                        "MLI",
                        "MLI:emga",
                        _d(2, 1),
                        _d(12, 15),
                        30_000_000,
                        priority="high",
                        marking="DR",
                        indicators=(
                            IndicatorSpec(
                                name="État d'avancement de la doctrine",
                                measure="qualitative",
                                target="Doctrine approuvée par le Comité des Chefs d'État-major",
                                verification="Procès-verbal du Comité",
                                time_aggregation="latest",
                                state_aggregation="none",
                            ),
                        ),
                        milestones=(
                            ("Plan de la doctrine validé", _d(4, 30)),
                            ("Projet soumis au Comité", _d(10, 31)),
                        ),
                    ),
                ),
            ),
            ObjectiveSpec(
                "Procédures d'état-major",
                (
                    _a(
                        "Harmoniser les procédures de planification d'état-major",
                        "BFA",
                        "BFA:emga",
                        _d(3, 1),
                        _d(10, 31),
                        20_000_000,
                        marking="DR",
                        indicators=(
                            _count(
                                "Procédures harmonisées", 8, "procédures", "Recueil des procédures"
                            ),
                        ),
                    ),
                    _a(
                        "Adopter des formats communs de documents d'état-major",
                        "NER",
                        "NER:emga",
                        _d(2, 1),
                        _d(6, 30),
                        6_000_000,
                        priority="low",
                        indicators=(
                            _count("Formats communs adoptés", 15, "formats", "Note de diffusion"),
                        ),
                    ),
                    _a(
                        "Traduire et diffuser les procédures communes",
                        "MLI",
                        "AES:secretariat",
                        _d(7, 1),
                        _d(12, 15),
                        12_000_000,
                        priority="low",
                        indicators=(_rate("Procédures diffusées", 100, 0, "Bordereaux d'envoi"),),
                    ),
                ),
            ),
            ObjectiveSpec(
                "Retour d'expérience",
                (
                    _a(
                        "Mettre en place un mécanisme commun de retour d'expérience",
                        "MLI",
                        "MLI:emga",
                        _d(4, 1),
                        _d(12, 31),
                        15_000_000,
                        marking="DR",
                        indicators=(_done("Mécanisme opérationnel", "Directive commune"),),
                    ),
                    _a(
                        "Organiser un séminaire annuel de doctrine",
                        "BFA",
                        "BFA:emga",
                        _d(10, 1),
                        _d(10, 31),
                        14_000_000,
                        priority="low",
                        indicators=(_done("Séminaire tenu", "Actes du séminaire"),),
                    ),
                ),
            ),
        ),
    ),
    AxisSpec(
        "Soutien logistique et santé",
        "Mutualiser les moyens de soutien et le soutien médical des forces.",
        (
            ObjectiveSpec(
                "Logistique mutualisée",
                (
                    _a(
                        "Cartographier les capacités logistiques des États membres",
                        "BFA",
                        "BFA:logistics",
                        _d(1, 15),
                        _d(6, 30),
                        25_000_000,
                        marking="C",
                        indicators=(_rate("Capacités recensées", 100, 0, "Rapport de synthèse"),),
                    ),
                    _a(
                        "Élaborer un protocole de soutien logistique mutuel",
                        "MLI",
                        "MLI:logistics",
                        _d(3, 1),
                        _d(9, 30),
                        10_000_000,
                        priority="high",
                        marking="DR",
                        indicators=(
                            _done("Protocole signé", "Protocole signé par les Chefs d'État-major"),
                        ),
                    ),
                    _a(
                        "Harmoniser les nomenclatures de matériels et de rechanges",
                        "NER",
                        "NER:logistics",
                        _d(2, 1),
                        _d(11, 30),
                        18_000_000,
                        indicators=(
                            _rate(
                                "Articles codifiés selon la nomenclature commune",
                                80,
                                10,
                                "Extraction des bases de gestion",
                            ),
                        ),
                    ),
                ),
            ),
            ObjectiveSpec(
                "Soutien médical",
                (
                    _a(
                        "Établir un protocole d'évacuation sanitaire entre États membres",
                        "NER",
                        "NER:dssa",
                        _d(2, 1),
                        _d(7, 31),
                        15_000_000,
                        priority="high",
                        marking="DR",
                        indicators=(_done("Protocole adopté", "Protocole signé"),),
                    ),
                    _a(
                        "Former ensemble les personnels de santé aux soins d'urgence",
                        "MLI",
                        "MLI:dssa",
                        _d(3, 15),
                        _d(12, 15),
                        85_000_000,
                        indicators=(
                            _count(
                                "Personnels de santé formés",
                                240,
                                "personnes",
                                "Attestations de formation",
                            ),
                        ),
                        milestones=(("Programme commun arrêté", _d(4, 30)),),
                    ),
                    _a(
                        "Mutualiser l'approvisionnement en produits de santé",
                        "BFA",
                        "BFA:dssa",
                        _d(5, 1),
                        _d(12, 31),
                        150_000_000,
                        indicators=(
                            IndicatorSpec(
                                name="Délai moyen de réapprovisionnement",
                                unit="jours",
                                target="30",
                                baseline="75",
                                verification="Tableaux de bord des pharmacies",
                                direction="decrease",
                                time_aggregation="latest",
                                state_aggregation="mean",
                            ),
                        ),
                    ),
                ),
            ),
            ObjectiveSpec(
                "Maintenance et infrastructures de soutien",
                (
                    _a(
                        "Recenser les infrastructures de soutien utilisables en commun",
                        "MLI",
                        "MLI:logistics",
                        _d(2, 1),
                        _d(6, 30),
                        9_000_000,
                        marking="C",
                        indicators=(_rate("Infrastructures recensées", 100, 0, "Inventaire"),),
                    ),
                    _a(
                        "Élaborer un plan de maintenance partagé des matériels communs",
                        "BFA",
                        "BFA:logistics",
                        _d(6, 1),
                        _d(12, 15),
                        28_000_000,
                        indicators=(_done("Plan de maintenance adopté", "Décision des Chefs"),),
                    ),
                ),
            ),
        ),
    ),
    AxisSpec(
        "Exercices conjoints et relations civilo-militaires",
        "Planifier ensemble les exercices et renforcer le lien entre les armées et les "
        "populations.",
        (
            ObjectiveSpec(
                "Planification des exercices conjoints",
                (
                    _a(
                        "Établir le calendrier pluriannuel des exercices conjoints",
                        "BFA",
                        "AES:chiefs_committee",
                        _d(1, 15),
                        _d(3, 31),
                        4_000_000,
                        priority="high",
                        indicators=(_done("Calendrier adopté", "Procès-verbal du Comité"),),
                    ),
                    _a(
                        "Planifier un exercice d'état-major conjoint sur carte",
                        "MLI",
                        "AES:force",
                        _d(4, 1),
                        _d(11, 30),
                        95_000_000,
                        marking="DR",
                        indicators=(
                            _done("Exercice sur carte conduit", "Rapport de fin d'exercice"),
                        ),
                        milestones=(
                            ("Conférence initiale de planification", _d(5, 15)),
                            ("Conférence finale de planification", _d(9, 15)),
                        ),
                    ),
                    _a(
                        "Conduire un exercice conjoint de soutien médical",
                        "NER",
                        "NER:dssa",
                        _d(8, 1),
                        _d(11, 30),
                        70_000_000,
                        indicators=(_done("Exercice conduit", "Rapport de fin d'exercice"),),
                    ),
                ),
            ),
            ObjectiveSpec(
                "Relations civilo-militaires",
                (
                    _a(
                        "Élaborer une stratégie commune de relations civilo-militaires",
                        "NER",
                        "NER:emga",
                        _d(2, 1),
                        _d(8, 31),
                        12_000_000,
                        indicators=(_done("Stratégie adoptée", "Document de stratégie"),),
                    ),
                    _a(
                        "Conduire des actions civilo-militaires au profit des populations",
                        "MLI",
                        "MLI:dssa",
                        _d(3, 1),
                        _d(12, 15),
                        110_000_000,
                        indicators=(
                            _count(
                                "Consultations médicales gratuites",
                                20_000,
                                "consultations",
                                "Registres des équipes médicales",
                            ),
                        ),
                    ),
                    _a(
                        "Former les cellules de communication des armées",
                        "BFA",
                        "BFA:emga",
                        _d(4, 1),
                        _d(10, 31),
                        16_000_000,
                        priority="low",
                        indicators=(
                            _count(
                                "Communicants formés", 45, "personnes", "Attestations de formation"
                            ),
                        ),
                    ),
                ),
            ),
            ObjectiveSpec(
                "Pilotage du plan",
                (
                    _a(
                        "Mettre en place le dispositif de suivi du plan d'action",
                        "MLI",
                        "AES:secretariat",
                        _d(1, 1),
                        _d(3, 31),
                        6_000_000,
                        priority="high",
                        indicators=(
                            _done("Points focaux nationaux désignés", "Notes de désignation"),
                        ),
                    ),
                    _a(
                        "Tenir les revues semestrielles du plan d'action",
                        "NER",
                        "AES:secretariat",
                        _d(6, 1),
                        _d(12, 31),
                        20_000_000,
                        indicators=(
                            _count(
                                "Revues tenues",
                                2,
                                "revues",
                                "Comptes rendus des revues",
                                time_aggregation="cumulative",
                                state_aggregation="none",
                            ),
                        ),
                    ),
                    _a(
                        "Évaluer la mise en œuvre du plan en fin d'année",
                        "BFA",
                        "AES:secretariat",
                        _d(11, 1),
                        _d(12, 31),
                        10_000_000,
                        indicators=(
                            IndicatorSpec(
                                name="Rapport d'évaluation",
                                measure="qualitative",
                                target="Rapport d'évaluation présenté aux Chefs d'État-major",
                                verification="Rapport d'évaluation",
                                time_aggregation="latest",
                                state_aggregation="none",
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
)


def _user(context: DemoContext, role: str, state_code: str | None = None) -> User:
    usernames = [account.username for account in context.accounts]
    users = User.objects.filter(memberships__role=role, username__in=usernames)
    if state_code is not None:
        users = users.filter(memberships__member_state__code=state_code)
    user = users.order_by("pk").first()
    if user is None:
        raise RuntimeError(f"The plans demo needs the accounts part (a {role} account).")
    return user


def _indicator_data(spec: IndicatorSpec) -> IndicatorChanges:
    data: IndicatorChanges = {
        "name": spec.name,
        "measure": spec.measure,
        "unit": spec.unit,
        "direction": spec.direction,
        "time_aggregation": spec.time_aggregation,
        "state_aggregation": spec.state_aggregation,
        "means_of_verification": spec.verification,
    }
    if spec.measure == "qualitative":
        data["target_text"] = spec.target
        data["baseline_text"] = spec.baseline
    else:
        data["target_value"] = Decimal(spec.target)
        data["baseline_value"] = Decimal(spec.baseline) if spec.baseline else None
        data["baseline_date"] = dt.date(2024, 12, 31) if spec.baseline else None
        data["tolerance"] = Decimal(10)
    return data


def _create_action(
    context: DemoContext,
    actor: User,
    objective: Any,
    spec: ActionSpec,
    markings: dict[str, MarkingLevel],
) -> Action:
    action = services.action_create(
        objective=objective,
        actor=actor,
        data={
            "title": spec.title,
            "description": spec.description,
            "lead_state": context.member_states[spec.lead],
            "partner_states": [context.member_states[code] for code in spec.partners],
            "responsible_organisation": context.organisations.get(spec.organisation),
            "start_date": spec.start,
            "end_date": spec.end,
            "budget_amount": Decimal(spec.budget) if spec.budget is not None else None,
            "priority": spec.priority,
            "classification": markings.get(spec.marking) or MarkingLevel.lowest(),
        },
    )
    for indicator in spec.indicators:
        services.indicator_create(action=action, actor=actor, data=_indicator_data(indicator))
    for title, due in spec.milestones:
        services.milestone_create(
            action=action, actor=actor, data={"title": title, "due_date": due}
        )
    return action


def load_demo_plan(context: DemoContext) -> Plan:
    """Create the plan, freeze version 1 (workshop of 4 and 5 November 2024), then revise it."""
    if context.alliance is None:
        raise RuntimeError("The plans demo needs the alliance part.")
    secretariat = _user(context, Role.SECRETARIAT)
    markings = {level.code: level for level in MarkingLevel.objects.all()}
    plan = services.plan_create(
        actor=secretariat,
        alliance=context.alliance,
        title=TITLE,
        period_start=_d(1, 1),
        period_end=_d(12, 31),
        description=(
            "Feuille de route des actions communes des forces armées des États membres de "
            "l'AES pour l'année 2025, élaborée par les experts lors de l'atelier de Bamako "
            "des 4 et 5 novembre 2024."
        ),
    )
    actions: dict[str, Action] = {}
    objectives: dict[str, Any] = {}
    for axis_spec in AXES:
        axis = services.axis_create(
            plan=plan,
            actor=secretariat,
            data={"title": axis_spec.title, "description": axis_spec.description},
        )
        for objective_spec in axis_spec.objectives:
            objective = services.objective_create(
                axis=axis, actor=secretariat, data={"title": objective_spec.title}
            )
            objectives[objective_spec.title] = objective
            for action_spec in objective_spec.actions:
                actions[action_spec.title] = _create_action(
                    context, secretariat, objective, action_spec, markings
                )

    services.plan_version_freeze(
        plan=plan,
        actor=secretariat,
        note="Version issue de l'atelier des experts (Bamako, 4 et 5 novembre 2024).",
        frozen_at=WORKSHOP_FREEZE,
    )
    _revise(context, plan, actions, objectives, markings)
    return plan


def _revise(
    context: DemoContext,
    plan: Plan,
    actions: dict[str, Action],
    objectives: dict[str, Any],
    markings: dict[str, MarkingLevel],
) -> None:
    """The changes made to the draft after version 1, by the experts of the three states."""
    expert_mli = _user(context, Role.EXPERT, "MLI")
    expert_bfa = _user(context, Role.EXPERT, "BFA")
    expert_ner = _user(context, Role.EXPERT, "NER")

    retitled = actions["Harmoniser les programmes de formation initiale des officiers"]
    services.action_update(
        action=retitled,
        actor=expert_bfa,
        lock_version=retitled.lock_version,
        data={
            "title": "Harmoniser les programmes de formation initiale des officiers et "
            "sous-officiers",
            "budget_amount": Decimal(32_000_000),
        },
    )
    moved = actions["Traduire et diffuser les procédures communes"]
    services.action_move(
        action=moved,
        actor=expert_mli,
        objective=objectives["Doctrine commune de coopération"],
        position=1,
    )
    added = _create_action(
        context,
        expert_ner,
        objectives["Compétences des opérateurs"],
        _a(
            "Créer un centre commun de formation aux transmissions",
            "NER",
            "NER:transmissions",
            _d(9, 1),
            _d(12, 31),
            180_000_000,
            priority="medium",
            indicators=(_done("Centre ouvert", "Décision de création"),),
        ),
        markings,
    )
    retargeted = actions["Former des formateurs aux procédures communes de transmission"]
    indicator = retargeted.indicators.get()
    services.indicator_update(
        indicator=indicator,
        actor=expert_mli,
        lock_version=indicator.lock_version,
        data={"target_value": Decimal(36)},
    )
    thread = services.comment_add(
        plan=plan,
        actor=expert_ner,
        item_uid=added.uid,
        body="Le coût du centre reste à confirmer avec la Direction des transmissions.",
    )
    services.comment_add(
        plan=plan,
        actor=expert_mli,
        item_uid=added.uid,
        body="Le Mali propose d'accueillir la première promotion.",
        parent=thread,
    )
    question = services.comment_add(
        plan=plan,
        actor=expert_bfa,
        item_uid=actions["Établir le calendrier pluriannuel des exercices conjoints"].uid,
        body="Le calendrier doit-il couvrir 2026 et 2027 ?",
    )
    services.comment_resolve(comment=question, actor=_user(context, Role.SECRETARIAT))


# The demo orchestrator (demo/loader.py) calls ``load`` and ``delete`` of each part.
load = load_demo_plan


def delete() -> dict[str, int]:
    """Remove every plan row. Frozen versions are immutable: the triggers are lifted for the
    reset and put back in the same transaction."""
    counts = {"comment": Comment.objects.all().delete()[0]}
    drop_immutable_triggers(connection, table="plans_planversion", prefix="plan_version")
    counts["plan_version"] = PlanVersion.objects.all().delete()[0]
    create_immutable_triggers(
        connection, table="plans_planversion", prefix="plan_version", what="a frozen plan version"
    )
    counts["plan"] = Plan.objects.all().delete()[0]
    return counts
