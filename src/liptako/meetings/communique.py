"""The press communiqué of a held meeting, drafted from its public content only.

What may appear (docs/decisions/0064-communique-public-content.md):
- the meeting itself only if it is at a public marking and released to everyone;
- decisions only if ``is_publishable``, at a public marking and released to everyone;
- agenda items only if ``is_publishable``;
- people by name only if their attendance is marked ``is_publishable``.

The wording follows the register of the alliance's own communiqués (see the seed): who met,
the weekday and date in words, the city, the purpose, who took part, who chaired (rank, name,
position), what was done and decided, what comes next, and the source line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _

from liptako.meetings.models import (
    Attendance,
    FollowUpStatus,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MeetingStatus,
)
from liptako.meetings.selectors import current_position_of


class CommuniqueNotPublic(Exception):
    """The meeting is not at a public marking: no communiqué may come out of it."""


@dataclass(frozen=True)
class CommuniqueDraft:
    title: str
    body: str
    source: str


# French names of states that take "de la" / "des" / "de" rather than the usual "du"
# (masculine names starting with a consonant); vowels take "de l'".
_FRENCH_OF_STATE = {
    "Côte d'Ivoire": "de la ",
    "Guinée": "de la ",
    "Mauritanie": "de la ",
    "Gambie": "de la ",
    "Sierra Leone": "de la ",
    "Libye": "de la ",
    "Comores": "des ",
    "Cabo Verde": "de ",
    "Djibouti": "de ",
}


def _french_of_state(name: str) -> str:
    """`` du Mali``, `` du Burkina Faso``, `` du Niger``, `` de la Guinée``, `` de l'Algérie``."""
    if name in _FRENCH_OF_STATE:
        return f" {_FRENCH_OF_STATE[name]}{name}"
    if name[:1].upper() in "AEIOUYÉÈÊÂÎÔ":
        return f" de l'{name}"
    return f" du {name}"


# The phrases of the communiqué, per language. The communiqué is a document written in one
# language chosen by the secretariat (not the reader's interface language), so its wording
# lives here, in full sentences, rather than in the interface catalogue.
PHRASES: dict[str, dict[str, Any]] = {
    "fr": {
        "bodies": {
            MeetingKind.EXPERT_WORKSHOP: "Les experts",
            MeetingKind.CHIEFS_COMMITTEE: "Les Chefs d'État-major Généraux des Armées",
            MeetingKind.MINISTERS_COUNCIL: "Les Ministres",
            MeetingKind.SUMMIT: "Les Chefs d'État",
            MeetingKind.OTHER: "Les délégations",
        },
        "preparers": {
            MeetingKind.EXPERT_WORKSHOP: "les experts",
            MeetingKind.CHIEFS_COMMITTEE: "les Chefs d'État-major",
            MeetingKind.MINISTERS_COUNCIL: "les Ministres",
            MeetingKind.SUMMIT: "les Chefs d'État",
            MeetingKind.OTHER: "les délégations",
        },
        "title": "Communiqué de presse : {title}",
        "met_one_day": (
            "{body} des pays de l'{alliance} — {states} — se sont réunis le {date}, à {city}"
        ),
        "met_days": (
            "{body} des pays de l'{alliance} — {states} — "
            "se sont réunis du {start} au {end}, à {city}"
        ),
        "purpose": " pour {purpose}",
        "gathered": "La rencontre a regroupé les délégations des {count} pays{roles}.",
        "gathered_roles": " (fonctions représentées : {roles})",
        "named": "Y ont notamment pris part : {people}.",
        "chaired": "Elle a été présidée par le {position}, le {name}.",
        "chaired_no_position": "Elle a été présidée par le {name}.",
        "prepared": (
            "Le document examiné a été travaillé par {preparers} durant {days} jours, "
            "{dates}, à {city}."
        ),
        "prepared_one_day": (
            "Le document examiné a été travaillé par {preparers} le {dates}, à {city}."
        ),
        "prepared_range": "du {start} au {end}",
        "agenda": "Les travaux ont porté sur les points suivants :",
        "decisions": "Au terme des travaux :",
        "next": "Prochaines étapes :",
        "due": " (échéance : {date})",
        "next_meeting": "La prochaine rencontre, « {title} », est prévue le {date}, à {city}.",
        "source": "Source : {source}",
        "default_source": "Secrétariat permanent de l'{alliance}",
        "and": " et ",
        "list_sep": " ; ",
        "of_state": _french_of_state,
    },
    "en": {
        "bodies": {
            MeetingKind.EXPERT_WORKSHOP: "The experts",
            MeetingKind.CHIEFS_COMMITTEE: "The chiefs of general staff of the armed forces",
            MeetingKind.MINISTERS_COUNCIL: "The ministers",
            MeetingKind.SUMMIT: "The heads of state",
            MeetingKind.OTHER: "The delegations",
        },
        "preparers": {
            MeetingKind.EXPERT_WORKSHOP: "the experts",
            MeetingKind.CHIEFS_COMMITTEE: "the chiefs of staff",
            MeetingKind.MINISTERS_COUNCIL: "the ministers",
            MeetingKind.SUMMIT: "the heads of state",
            MeetingKind.OTHER: "the delegations",
        },
        "title": "Press communiqué: {title}",
        "met_one_day": (
            "{body} of the countries of the {alliance} — {states} — met on {date} in {city}"
        ),
        "met_days": (
            "{body} of the countries of the {alliance} — {states} — "
            "met from {start} to {end} in {city}"
        ),
        "purpose": " for {purpose}",
        "gathered": "The meeting brought together the delegations of the {count} countries{roles}.",
        "gathered_roles": " (functions represented: {roles})",
        "named": "Participants included: {people}.",
        "chaired": "It was chaired by the {position}, {name}.",
        "chaired_no_position": "It was chaired by {name}.",
        "prepared": (
            "The document had been prepared by {preparers} over {days} days, {dates}, in {city}."
        ),
        "prepared_one_day": "The document had been prepared by {preparers} on {dates}, in {city}.",
        "prepared_range": "from {start} to {end}",
        "agenda": "The work covered the following items:",
        "decisions": "At the close of the meeting:",
        "next": "Next steps:",
        "due": " (due {date})",
        "next_meeting": "The next meeting, “{title}”, is planned on {date} in {city}.",
        "source": "Source: {source}",
        "default_source": "Permanent Secretariat of the {alliance}",
        "and": " and ",
        "list_sep": "; ",
        "of_state": lambda name: f" of {name}",
    },
}


def date_in_words(day: dt.date, language: str) -> str:
    """``mercredi 6 novembre 2024`` / ``Wednesday 6 November 2024``."""
    with translation.override(language):
        return formats.date_format(day, "l j F Y")


def date_range_in_words(start: dt.date, end: dt.date, language: str) -> tuple[str, str]:
    """The two ends of a span, the shared month and year said once.

    ``("lundi 4", "mardi 5 novembre 2024")``; ``("Monday 4", "Tuesday 5 November 2024")``.
    """
    with translation.override(language):
        if (start.year, start.month) == (end.year, end.month):
            return formats.date_format(start, "l j"), formats.date_format(end, "l j F Y")
        if start.year == end.year:
            return formats.date_format(start, "l j F"), formats.date_format(end, "l j F Y")
    return date_in_words(start, language), date_in_words(end, language)


def _local_days(meeting: Meeting) -> tuple[dt.date, dt.date]:
    zone = meeting.zone
    return meeting.starts_at.astimezone(zone).date(), meeting.ends_at.astimezone(zone).date()


def _join(items: list[str], phrases: dict[str, Any]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + phrases["and"] + items[-1]


def is_public_meeting(meeting: Meeting) -> bool:
    return meeting.classification.is_public and not meeting.releasable_to.exists()


def public_decisions(meeting: Meeting) -> list[MeetingDecision]:
    """Publishable decisions at a public marking, released to everyone."""
    return list(
        meeting.decisions.filter(is_publishable=True, classification__is_public=True)
        .exclude(releasable_to__isnull=False)
        .select_related("meeting")
        .order_by("number")
    )


def build_communique(
    meeting: Meeting, *, language: str = "fr", source: str = ""
) -> CommuniqueDraft:
    """The communiqué text of ``meeting`` in ``language`` (``fr`` or ``en``)."""
    if not is_public_meeting(meeting):
        with translation.override(language):
            raise CommuniqueNotPublic(
                _("This meeting is not at a public marking: no communiqué can be drafted.")
            )
    phrases = PHRASES.get(language, PHRASES["fr"])
    alliance = meeting.alliance
    alliance_name = f"{alliance.name} ({alliance.acronym})" if alliance.acronym else alliance.name
    attendances = list(
        meeting.attendances.select_related("member_state", "person").order_by(
            "member_state__name", "-is_head_of_delegation", "person__last_name"
        )
    )
    present = [a for a in attendances if a.counts_as_present]
    states = sorted({a.member_state.name for a in present}) or sorted(
        meeting.alliance.member_states.values_list("name", flat=True)
    )
    publishable_people = {a.person_id: a for a in attendances if a.is_publishable}
    start_day, end_day = _local_days(meeting)
    where = meeting.city

    paragraphs: list[str] = []
    if start_day == end_day:
        opening = phrases["met_one_day"].format(
            body=phrases["bodies"][meeting.kind],
            alliance=alliance_name,
            states=_join(states, phrases),
            date=date_in_words(start_day, language),
            city=where,
        )
    else:
        start_words, end_words = date_range_in_words(start_day, end_day, language)
        opening = phrases["met_days"].format(
            body=phrases["bodies"][meeting.kind],
            alliance=alliance_name,
            states=_join(states, phrases),
            start=start_words,
            end=end_words,
            city=where,
        )
    if meeting.purpose:
        opening += phrases["purpose"].format(purpose=meeting.purpose)
    paragraphs.append(opening + ".")

    roles: list[str] = []
    for attendance in present:
        if attendance.is_guest:
            continue
        if attendance.role and attendance.role not in roles:
            roles.append(attendance.role)
    participation = phrases["gathered"].format(
        count=len(states),
        roles=phrases["gathered_roles"].format(roles=_join(roles, phrases)) if roles else "",
    )
    chair = meeting.chair if meeting.chair_id in publishable_people else None
    named = [
        _person_with_role(a)
        for a in present
        if a.is_publishable and not a.is_guest and a.person_id != meeting.chair_id and a.role
    ]
    sentences = [participation]
    if chair is not None:
        position = current_position_of(chair.pk)
        if position is not None:
            sentences.append(
                phrases["chaired"].format(
                    position=_position_label(position, phrases), name=chair.display_name
                )
            )
        else:
            sentences.append(phrases["chaired_no_position"].format(name=chair.display_name))
    if named:
        sentences.append(phrases["named"].format(people=phrases["list_sep"].join(named)))
    paragraphs.append(" ".join(sentences))

    preparatory = meeting.preparatory_meeting
    if (
        preparatory is not None
        and preparatory.status == MeetingStatus.HELD
        and is_public_meeting(preparatory)
    ):
        prep_start, prep_end = _local_days(preparatory)
        days = (prep_end - prep_start).days + 1
        if days > 1:
            start_words, end_words = date_range_in_words(prep_start, prep_end, language)
            dates = phrases["prepared_range"].format(start=start_words, end=end_words)
            sentence = phrases["prepared"]
        else:
            dates = date_in_words(prep_start, language)
            sentence = phrases["prepared_one_day"]
        paragraphs.append(
            sentence.format(
                preparers=phrases["preparers"][preparatory.kind],
                days=days,
                dates=dates,
                city=preparatory.city,
            )
        )

    items = []
    for item in meeting.agenda_items.filter(is_publishable=True).select_related("presenter"):
        label = item.title
        if item.presenter_id is not None and item.presenter_id in publishable_people:
            label += f" ({item.presenter.display_name})"  # type: ignore[union-attr]
        items.append(f"- {label}")
    if items:
        paragraphs.append("\n".join([phrases["agenda"], *items]))

    decisions = public_decisions(meeting)
    if decisions:
        paragraphs.append(
            "\n".join([phrases["decisions"], *(f"- {_sentence(d.text)}" for d in decisions)])
        )

    next_steps = []
    for decision in decisions:
        if decision.follow_up and decision.follow_up_status != FollowUpStatus.CANCELLED:
            due = (
                phrases["due"].format(date=date_in_words(decision.due_date, language))
                if decision.due_date
                else ""
            )
            next_steps.append(f"- {decision.follow_up.rstrip('.')}{due}.")
    if next_steps:
        paragraphs.append("\n".join([phrases["next"], *next_steps]))
    following = _next_public_meeting(meeting)
    if following is not None:
        paragraphs.append(
            phrases["next_meeting"].format(
                title=following.title,
                date=date_in_words(_local_days(following)[0], language),
                city=following.city,
            )
        )

    source_line = source or phrases["default_source"].format(
        alliance=alliance.acronym or alliance.name
    )
    return CommuniqueDraft(
        title=phrases["title"].format(title=meeting.title),
        body="\n\n".join(paragraphs),
        source=phrases["source"].format(source=source_line),
    )


def _position_label(position: Any, phrases: dict[str, Any]) -> str:
    """The post with its state: "Chef d'État-major Général des Armées du Mali"."""
    state = position.organisation.member_state
    if state is None or state.name in position.title:
        return str(position.title)
    return f"{position.title}{phrases['of_state'](state.name)}"


def _person_with_role(attendance: Attendance) -> str:
    return f"{attendance.person.display_name}, {attendance.role}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _next_public_meeting(meeting: Meeting) -> Meeting | None:
    candidates = (
        Meeting.objects.filter(
            alliance_id=meeting.alliance_id,
            starts_at__gt=meeting.ends_at,
            # Only a convened meeting is announced: a planned one may still move.
            status=MeetingStatus.CONVENED,
            classification__is_public=True,
            releasable_to__isnull=True,
        )
        .select_related("classification")
        .order_by("starts_at")
    )
    return candidates.first()
