"""The meetings part of the demo: the Bamako meetings of November 2024, as the seed tells them.

- the experts' workshop of 4-5 November 2024 (two days of work on the draft plan);
- the meeting of the chiefs of general staff of 6 November 2024, chaired by Général de
  division Oumar DIARRA, with the delegations of the three states, the validation of the
  « Défense et Sécurité » action plan, its submission to the heads of state, and the
  reception of the delegations by the Minister of Defence;
- its approved minutes, decisions with one follow-up each, and the generated communiqué;
- the next meeting of the chiefs, planned in 2025 (dates to be confirmed: a demo fiction,
  kept out of the communiqué since only convened meetings are announced).

Everything goes through the meetings services, acting as the demo's secretariat account.
"""

from __future__ import annotations

import datetime as dt

from liptako.accounts.models import Role, User
from liptako.core.models import MarkingLevel
from liptako.demo.context import DemoContext
from liptako.meetings import services
from liptako.meetings.models import (
    AgendaItem,
    Attendance,
    CalendarFeedToken,
    Communique,
    DecisionKind,
    Meeting,
    MeetingDecision,
    MeetingKind,
    Minutes,
    MinutesSection,
    QuorumRule,
)
from liptako.plans.models import Plan

UTC = dt.UTC  # Bamako is on GMT all year
PLAN = "« Défense et Sécurité »"
CEMGA_ROLE = "Chef d'État-major Général des Armées"

QUORUMS = {
    MeetingKind.EXPERT_WORKSHOP: 2,
    MeetingKind.CHIEFS_COMMITTEE: 3,
    MeetingKind.MINISTERS_COUNCIL: 3,
    MeetingKind.SUMMIT: 3,
}


def _secretariat(context: DemoContext) -> User:
    user = (
        User.objects.filter(
            memberships__role=Role.SECRETARIAT,
            username__in=[account.username for account in context.accounts],
        )
        .order_by("pk")
        .first()
    )
    if user is None:
        raise RuntimeError("The meetings demo needs the accounts part (a secretariat account).")
    return user


def _at(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2024) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def load(context: DemoContext) -> None:
    """Record the two meetings of November 2024 and plan the next one."""
    actor = _secretariat(context)
    alliance = context.alliance
    assert alliance is not None  # the alliance part runs first
    people = context.people
    states = context.member_states
    # The plan of the plans part, when it ran: its version 1 is the one of the workshop.
    plan = Plan.objects.filter(alliance=alliance).order_by("pk").first()
    version = plan.versions.filter(number=1).first() if plan is not None else None
    for kind, minimum in QUORUMS.items():
        services.quorum_rule_set(
            actor=actor, alliance=alliance, kind=kind, minimum_delegations=minimum
        )

    workshop = services.meeting_create(
        actor=actor,
        alliance=alliance,
        title=f"Atelier des experts sur le projet de plan d'action {PLAN}",
        kind=MeetingKind.EXPERT_WORKSHOP,
        purpose=f"l'élaboration du projet de plan d'action {PLAN}",
        starts_at=_at(4, 8),
        ends_at=_at(5, 17),
        city="Bamako",
        host_state=states["MLI"],
        secretary=people["AES:secretariat"],
        plan=plan,
    )
    for code in ("MLI", "BFA", "NER"):
        for index, key in enumerate(("expert1", "expert2")):
            services.attendance_record(
                actor=actor,
                meeting=workshop,
                member_state=states[code],
                person=people[f"{code}:{key}"],
                is_head_of_delegation=index == 0,
                role="Expert",
            )
    review = services.agenda_item_add(
        actor=actor,
        meeting=workshop,
        title=f"Examen du projet de plan d'action {PLAN}",
        planned_minutes=480,
        is_publishable=True,
    )
    services.agenda_item_add(
        actor=actor,
        meeting=workshop,
        title="Finalisation du document soumis aux Chefs d'État-major Généraux des Armées",
        planned_minutes=420,
        is_publishable=True,
    )
    _move(actor, workshop, "convened", "held")
    services.meeting_decision_take(
        actor=actor,
        meeting=workshop,
        kind=DecisionKind.RECOMMENDED,
        text=(
            f"Les experts transmettent le projet de plan d'action {PLAN} finalisé aux Chefs "
            "d'État-major Généraux des Armées pour validation."
        ),
        agenda_item=review,
        is_publishable=True,
        follow_up="Présenter le projet aux Chefs d'État-major le 6 novembre 2024",
        follow_up_person=people["AES:secretariat"],
        due_date=dt.date(2024, 11, 6),
    )
    # Done the next day, at the chiefs' meeting.
    decision = workshop.decisions.get(number=1)
    services.follow_up_set_status(actor=actor, decision=decision, status="done")

    chiefs = services.meeting_create(
        actor=actor,
        alliance=alliance,
        title="Réunion des Chefs d'État-major Généraux des Armées de l'AES",
        kind=MeetingKind.CHIEFS_COMMITTEE,
        purpose=f"la finalisation du projet de plan d'action {PLAN}",
        starts_at=_at(6, 9),
        ends_at=_at(6, 16),
        city="Bamako",
        host_state=states["MLI"],
        chair=people["MLI:cemga"],
        secretary=people["AES:secretariat"],
        preparatory_meeting=workshop,
        plan=plan,
        plan_version=version,
    )
    for code in ("MLI", "BFA", "NER"):
        services.attendance_record(
            actor=actor,
            meeting=chiefs,
            member_state=states[code],
            person=people[f"{code}:cemga"],
            is_head_of_delegation=True,
            role=CEMGA_ROLE,
            # The seed names the Malian chief; the other chiefs are demo characters.
            is_publishable=code == "MLI",
        )
        services.attendance_record(
            actor=actor,
            meeting=chiefs,
            member_state=states[code],
            person=people[f"{code}:expert1"],
            role="Directeur de service",
        )
        services.attendance_record(
            actor=actor,
            meeting=chiefs,
            member_state=states[code],
            person=people[f"{code}:expert2"],
            role="Expert",
        )
    services.attendance_record(
        actor=actor,
        meeting=chiefs,
        member_state=states["MLI"],
        person=people["MLI:minister"],
        is_guest=True,
        role="Ministre de la Défense et des Anciens Combattants",
        is_publishable=True,
    )
    opening = services.agenda_item_add(
        actor=actor,
        meeting=chiefs,
        title="Discours d'ouverture du Chef d'État-major Général des Armées du Mali",
        presenter=people["MLI:cemga"],
        planned_minutes=30,
        is_publishable=True,
    )
    validation = services.agenda_item_add(
        actor=actor,
        meeting=chiefs,
        title=f"Examen et validation du projet de plan d'action {PLAN}",
        planned_minutes=180,
        is_publishable=True,
        plan_version=version,
    )
    roadmap = services.agenda_item_add(
        actor=actor,
        meeting=chiefs,
        title="Feuille de route des actions communes pour l'année en cours",
        planned_minutes=90,
        is_publishable=True,
    )
    coordination = services.agenda_item_add(
        actor=actor,
        meeting=chiefs,
        title="Modalités de coordination entre états-majors",
        planned_minutes=45,
    )
    reception = services.agenda_item_add(
        actor=actor,
        meeting=chiefs,
        title="Réception des délégations par le Ministre de la Défense et des Anciens Combattants",
        presenter=people["MLI:minister"],
        planned_minutes=60,
        is_publishable=True,
    )
    _move(actor, chiefs, "convened", "held")

    services.meeting_decision_take(
        actor=actor,
        meeting=chiefs,
        kind=DecisionKind.VALIDATED,
        text=(
            f"Le plan d'action du projet {PLAN}, travaillé par les experts durant 2 jours, est "
            "finalisé et validé par les 3 Chefs d'État-major Généraux des Armées."
        ),
        agenda_item=validation,
        plan_version=version,
        is_publishable=True,
        follow_up="Établir la feuille de route des actions communes pour l'année en cours",
        follow_up_person=people["AES:secretariat"],
        due_date=dt.date(2024, 12, 31),
    )
    services.meeting_decision_take(
        actor=actor,
        meeting=chiefs,
        kind=DecisionKind.DECIDED,
        text=(
            "Le plan d'action validé est soumis aux Chefs d'État de l'AES pour sa mise en œuvre "
            "dans un bref délai."
        ),
        agenda_item=roadmap,
        plan_version=version,
        is_publishable=True,
        follow_up="Soumettre le plan d'action validé aux Chefs d'État de l'AES",
        follow_up_state=states["MLI"],
        due_date=dt.date(2024, 11, 30),
    )
    restricted = context_marking("DR")
    if restricted is not None:
        # An internal decision: restricted, never in a communiqué.
        services.meeting_decision_take(
            actor=actor,
            meeting=chiefs,
            kind=DecisionKind.DECIDED,
            text="Les états-majors désignent chacun un officier de liaison pour la mise en œuvre.",
            agenda_item=coordination,
            classification=restricted,
            follow_up="Communiquer le nom de l'officier de liaison au Secrétariat permanent",
            follow_up_state=states["BFA"],
            due_date=dt.date(2024, 12, 15),
        )

    minutes_text = {
        opening: (
            "Le Chef d'État-major Général des Armées du Mali, le Général de division Oumar "
            "DIARRA, transmet le message d'encouragement, de fraternité et d'amitié du Président "
            "de la Transition, Chef de l'État, le Général d'armée Assimi GOÏTA, à l'ensemble des "
            "délégations.\n\nIl souligne que ce projet permettra de **redynamiser la coopération** "
            "entre les pays de l'AES et de mutualiser les efforts dans la lutte contre le "
            "terrorisme."
        ),
        validation: (
            "Le document travaillé par les experts durant 2 jours est examiné point par point, "
            "finalisé et **validé** par les 3 Chefs d'État-major Généraux des Armées."
        ),
        roadmap: (
            "La rencontre dote l'Alliance d'une feuille de route des actions communes pour "
            "l'année en cours. Le plan doit être soumis aux Chefs d'État de l'AES."
        ),
        reception: (
            "Après la réunion, le Ministre de la Défense et des Anciens Combattants, le Général "
            "de corps d'armée Sadio CAMARA, reçoit les délégations. Des échanges de cadeaux "
            "symboliques mettent fin à la rencontre."
        ),
    }
    for item, text in minutes_text.items():
        services.minutes_section_save(actor=actor, meeting=chiefs, agenda_item=item, body=text)
    services.minutes_transition(
        actor=actor, meeting=chiefs, to_status="circulated", notify_heads=False
    )
    services.minutes_transition(actor=actor, meeting=chiefs, to_status="approved")

    communique = services.communique_generate(
        actor=actor, meeting=chiefs, language="fr", source="FAMA"
    )
    services.communique_approve(actor=actor, communique=communique)

    services.meeting_create(
        actor=actor,
        alliance=alliance,
        title="Deuxième réunion des Chefs d'État-major Généraux des Armées de l'AES",
        kind=MeetingKind.CHIEFS_COMMITTEE,
        purpose=f"le suivi de la mise en œuvre du plan d'action {PLAN}",
        plan=plan,
        starts_at=_at(10, 9, month=3, year=2025),
        ends_at=_at(10, 16, month=3, year=2025),
        timezone_name="Africa/Ouagadougou",
        city="Ouagadougou",
        host_state=states["BFA"],
        chair=people["BFA:cemga"],
        secretary=people["AES:secretariat"],
    )


def context_marking(code: str) -> MarkingLevel | None:
    """The deployment's level of that code, if its scale has one."""
    return MarkingLevel.objects.filter(code=code).first()


def _move(actor: User, meeting: Meeting, *statuses: str) -> None:
    # Past meetings: recorded, not convened again by mail.
    for status in statuses:
        services.meeting_transition(
            actor=actor, meeting=meeting, to_status=status, send_invitations=False
        )


def delete() -> dict[str, int]:
    """Remove every meeting row (before the directory they point at)."""
    counts = {
        "communique": Communique.objects.all().delete()[0],
        "minutes_section": MinutesSection.objects.all().delete()[0],
        "minutes": Minutes.objects.all().delete()[0],
        "meeting_decision": MeetingDecision.objects.all().delete()[0],
        "attendance": Attendance.objects.all().delete()[0],
    }
    Meeting.objects.update(preparatory_meeting=None)
    counts["agenda_item"] = AgendaItem.objects.all().delete()[0]
    counts["meeting"] = Meeting.objects.all().delete()[0]
    counts["quorum_rule"] = QuorumRule.objects.all().delete()[0]
    counts["calendar_feed_token"] = CalendarFeedToken.objects.all().delete()[0]
    return counts
