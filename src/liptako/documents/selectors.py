"""Reads for the plan documents: the reader's (redacted) plan as a ``PlanReport``.

Access is checked by the caller (``access_plan`` and ``version_for_user``); the document comes
from ``plans.selectors`` already redacted for the reader, so nothing hidden reaches a renderer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.utils.dates import MONTHS_AP
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from liptako.alliance.models import MemberState
from liptako.core.models import MarkingLevel
from liptako.documents.models import LetterKind, LetterTemplate
from liptako.documents.reports import (
    ActionRow,
    AxisSection,
    DecisionRow,
    IndicatorRow,
    Marking,
    ObjectiveSection,
    PlanReport,
    RedactedRow,
    RoadmapPart,
    TransmissionLetter,
)
from liptako.plans import selectors as plan_selectors
from liptako.plans.models import Measure, Plan, PlanVersion, Priority

try:  # the roadmap is another piece of the plans app: documents work without it
    from liptako.plans.roadmap import RoadmapEntry, render_roadmap_svg
except ImportError:  # pragma: no cover - present in this code base
    RoadmapEntry = None  # type: ignore[assignment,misc]
    render_roadmap_svg = None  # type: ignore[assignment]

from liptako.validation.models import DecisionKind, VersionState, VersionStatus
from liptako.validation.selectors import decisions_of

if TYPE_CHECKING:
    from liptako.plans.selectors import AnyUser
    from liptako.validation.models import Decision

LANGUAGES = ("fr", "en")
ROADMAP_ROWS_PER_PART = 25
# The printed roadmap labels each bar with the action's code only (its title is in the
# action's block): WeasyPrint's cost for SVG text is per glyph (decision 0205).
ROADMAP_LABEL_WIDTH = 190
# Versions whose validation is complete: the letter may be issued from them.
VALIDATED_STATUSES = (
    VersionStatus.VALIDATED,
    VersionStatus.SUBMITTED,
    VersionStatus.ADOPTED,
    VersionStatus.RETURNED,
    VersionStatus.REPLACED,
)


def report_language(value: str | None) -> str:
    """``value`` when it is a language the documents speak, else French (the default)."""
    return value if value in LANGUAGES else "fr"


def version_report_for_user(
    *, user: AnyUser, version: PlanVersion, language: str = "fr"
) -> PlanReport:
    """The frozen ``version`` as ``user`` may read it (``version`` from ``version_for_user``)."""
    document = plan_selectors.version_document_for_user(user=user, version=version)
    return _version_report(document, version=version, language=language)


def complete_version_report_for_user(
    *, user: AnyUser, version: PlanVersion, language: str = "fr"
) -> PlanReport:
    """The whole frozen ``version`` (for its signed bundle), or ``PermissionDenied`` when
    ``user`` may not read all of it: the bundle holds the complete plan, never a redacted one."""
    document = plan_selectors.version_document_for_user(user=user, version=version)
    if document != version.content:
        raise PermissionDenied(
            _("The signed bundle holds the whole version: part of it is hidden from you.")
        )
    return _version_report(document, version=version, language=language)


def _version_report(document: dict[str, Any], *, version: PlanVersion, language: str) -> PlanReport:
    with translation.override(report_language(language)):
        return _report(
            document,
            plan=version.plan,
            version=version,
            decisions=list(decisions_of(version)),
            language=report_language(language),
        )


def draft_report_for_user(*, user: AnyUser, plan: Plan, language: str = "fr") -> PlanReport:
    """The live draft of ``plan`` (from ``access_plan``) as ``user`` may read it."""
    document = plan_selectors.plan_document_for_user(user=user, plan=plan)
    with translation.override(report_language(language)):
        return _report(
            document, plan=plan, version=None, decisions=[], language=report_language(language)
        )


def plan_report_for_user(
    *, user: AnyUser, version: PlanVersion | None, plan: Plan | None = None, language: str = "fr"
) -> PlanReport:
    """A frozen version's report, or the live draft's when ``version`` is None."""
    if version is not None:
        return version_report_for_user(user=user, version=version, language=language)
    if plan is None:
        raise TypeError("plan_report_for_user needs a version or a plan")
    return draft_report_for_user(user=user, plan=plan, language=language)


# --- Building the report -----------------------------------------------------------------------


def _markings(language: str) -> dict[str, Marking]:
    return {
        level.code: Marking(
            code=level.code,
            label=(level.label_en or level.label) if language == "en" else level.label,
            rank=level.rank,
        )
        for level in MarkingLevel.objects.all()
    }


def _number(text: str | None) -> str:
    if text in (None, ""):
        return ""
    return number_format(Decimal(text), force_grouping=True)


def _indicator_value(indicator: dict[str, Any], which: str) -> str:
    measure = indicator["measure"]
    if measure == Measure.QUALITATIVE:
        return str(indicator[f"{which}_text"] or "")
    value = indicator[f"{which}_value"]
    if value in (None, ""):
        return str(indicator[f"{which}_text"] or "")
    if measure == Measure.YES_NO:
        return _("Yes") if Decimal(value) else _("No")
    return _number(value)  # the unit column says "%" for a percentage


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _action_row(
    action: dict[str, Any], markings: dict[str, Marking], states: dict[str, str]
) -> ActionRow | RedactedRow:
    marking = markings[action["classification"]]
    if action.get("redacted"):
        return RedactedRow(code=action["code"], marking=marking)
    amount = action["budget_amount"]
    return ActionRow(
        code=action["code"],
        title=action["title"],
        description=action["description"],
        lead_state=states.get(action["lead_state"], action["lead_state"]),
        lead_state_code=action["lead_state"],
        partner_states=", ".join(states.get(code, code) for code in action["partner_states"]),
        organisation=action["responsible_organisation"] or "",
        start_date=_date(action["start_date"]),
        end_date=_date(action["end_date"]),
        budget_amount=Decimal(amount) if amount is not None else None,
        budget_currency=action["budget_currency"],
        priority=str(Priority(action["priority"]).label) if action["priority"] else "",
        marking=marking,
        indicators=tuple(
            IndicatorRow(
                code=indicator["code"],
                name=indicator["name"],
                baseline=_indicator_value(indicator, "baseline"),
                target=_indicator_value(indicator, "target"),
                unit=indicator["unit"],
                means_of_verification=indicator["means_of_verification"],
            )
            for indicator in action["indicators"]
        ),
    )


def _report(
    document: dict[str, Any],
    *,
    plan: Plan,
    version: PlanVersion | None,
    decisions: list[Decision],
    language: str,
) -> PlanReport:
    markings = _markings(language)
    states = dict(
        MemberState.objects.filter(alliance_id=plan.alliance_id).values_list("code", "name")
    )
    content = document["plan"]
    highest = markings[content["classification"]]
    axes = []
    redacted = 0
    for axis in document["axes"]:
        objectives = []
        for objective in axis["objectives"]:
            actions = tuple(
                _action_row(action, markings, states) for action in objective["actions"]
            )
            for row in actions:
                if row.is_redacted:
                    redacted += 1
                elif row.marking.rank > highest.rank:
                    highest = row.marking
            objectives.append(
                ObjectiveSection(
                    code=objective["code"],
                    title=objective["title"],
                    description=objective["description"],
                    actions=actions,
                )
            )
        axes.append(
            AxisSection(
                code=axis["code"],
                title=axis["title"],
                description=axis["description"],
                objectives=tuple(objectives),
            )
        )
    period_start = date.fromisoformat(content["period_start"])
    period_end = date.fromisoformat(content["period_end"])
    return PlanReport(
        language=language,
        alliance=plan.alliance.name,
        plan_title=content["title"],
        plan_description=content["description"],
        period_start=period_start,
        period_end=period_end,
        version_number=version.number if version is not None else None,
        digest=version.digest if version is not None else "",
        frozen_at=version.created_at if version is not None else None,
        generated_at=timezone.now(),
        marking=highest,
        axes=tuple(axes),
        roadmap=_roadmap(
            axes,
            period_start.year,
            period_end.year,
            states,
            content["title"],
            frozen_on=timezone.localdate(version.created_at) if version is not None else None,
        ),
        decisions=tuple(_decision_row(decision) for decision in decisions),
        redacted_count=redacted,
    )


def _roadmap(
    axes: Iterable[AxisSection],
    first_year: int,
    last_year: int,
    states: dict[str, str],
    title: str,
    *,
    frozen_on: date | None = None,
) -> tuple[RoadmapPart, ...]:
    """One SVG per page-sized slice of every year of the plan (an image cannot break).

    A frozen version's line marks the day it was frozen, not today: its document stays the
    same from one day to the next (and its cached PDF stays valid, decision 0121)."""
    if render_roadmap_svg is None:
        return ()
    marker = frozen_on or timezone.localdate()
    marker_label = _("Frozen") if frozen_on is not None else _("Today")
    parts: list[RoadmapPart] = []
    for year in range(first_year, last_year + 1):
        first, last = date(year, 1, 1), date(year, 12, 31)
        entries = []
        for axis in axes:
            label = f"{axis.code} {axis.title}"
            for objective in axis.objectives:
                for row in objective.actions:
                    if isinstance(row, RedactedRow):
                        entries.append(
                            RoadmapEntry(
                                axis=label,
                                code=row.code,
                                marking=row.marking.code,
                                is_redacted=True,
                            )
                        )
                    elif (
                        row.start_date is not None
                        and row.end_date is not None
                        and row.end_date >= first
                        and row.start_date <= last
                    ):
                        entries.append(
                            RoadmapEntry(  # the code only: the title is in the block
                                axis=label,
                                code=row.code,
                                lead_state=row.lead_state_code,
                                start=row.start_date,
                                end=row.end_date,
                            )
                        )
        chunks = [
            entries[index : index + ROADMAP_ROWS_PER_PART]
            for index in range(0, len(entries), ROADMAP_ROWS_PER_PART)
        ]
        for number, chunk in enumerate(chunks, start=1):
            svg = render_roadmap_svg(
                chunk,
                year=year,
                today=marker,
                month_names=[str(MONTHS_AP[month]) for month in range(1, 13)],
                state_names=states,
                title=_("Roadmap %(year)s — %(plan)s") % {"year": year, "plan": title},
                redacted_label=_("(restricted action)"),
                legend_label=_("Lead state:"),
                today_label=marker_label,
                label_width=ROADMAP_LABEL_WIDTH,
            )
            parts.append(RoadmapPart(year=year, part=number, parts=len(chunks), svg=svg))
    return tuple(parts)


def _decision_row(decision: Decision) -> DecisionRow:
    name = decision.actor.get_full_name() or decision.actor.get_username()
    position = ""
    if decision.statement is not None:
        signer = json.loads(decision.statement.canonical).get("signer", {})
        name = signer.get("name") or name
        position = signer.get("position") or ""
    return DecisionRow(
        signer_name=name,
        signer_position=position,
        member_state=decision.member_state.name if decision.member_state is not None else "",
        kind=decision.kind,
        decision=str(DecisionKind(decision.kind).label),
        decided_at=decision.decided_at,
        key_fingerprint=decision.key.fingerprint if decision.key is not None else "",
        is_signed=decision.is_signed,
    )


# --- Letters -----------------------------------------------------------------------------------


def letter_template(kind: str = LetterKind.TRANSMISSION) -> LetterTemplate:
    """The stored template (created with its default text by a data migration)."""
    return LetterTemplate.objects.get(kind=kind)


def has_signed_decisions(version: PlanVersion) -> bool:
    """Whether a signed bundle of ``version`` would hold a signature."""
    return decisions_of(version).filter(statement__isnull=False).exclude(signature="").exists()


def is_validated(version: PlanVersion) -> bool:
    return VersionState.objects.filter(version=version, status__in=VALIDATED_STATUSES).exists()


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:  # an unknown field stays as typed
        return "{" + key + "}"


def transmission_letter_for_user(*, user: AnyUser, version: PlanVersion) -> TransmissionLetter:
    """The letter transmitting the validated ``version`` to the heads of state, in French.

    ``version`` comes from ``version_for_user``; the caller checks ``is_validated(version)``.
    """
    template = letter_template()
    report = version_report_for_user(user=user, version=version, language="fr")
    approvals = [row for row in report.decisions if row.kind == DecisionKind.APPROVE]
    with translation.override("fr"):
        validation_date = (
            date_format(timezone.localtime(approvals[-1].decided_at), "j F Y") if approvals else ""
        )
        signatories = "\n".join(
            "\N{EN DASH} "
            + ", ".join(part for part in (row.signer_name, row.signer_position) if part)
            + (f" ({row.member_state})" if row.member_state else "")
            for row in approvals
        )
        today = date_format(timezone.localdate(), "j F Y")
    values = _Placeholders(
        alliance=report.alliance,
        plan_title=report.plan_title,
        version_number=str(report.version_number),
        digest=report.digest,
        validation_date=validation_date,
        signatories=signatories,
        date=today,
    )
    body = fill_placeholders(template.body, values)
    return TransmissionLetter(
        language="fr",
        subject=fill_placeholders(template.subject, values),
        paragraphs=tuple(
            paragraph.strip() for paragraph in body.split("\n\n") if paragraph.strip()
        ),
        signature_block=template.signature_block,
        place_and_date=today,
        marking=_markings("fr")[version.content["plan"]["classification"]],
        plan_title=report.plan_title,
        digest=report.digest,
    )


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """``text`` with its ``{placeholder}`` fields filled (templates are checked when saved)."""
    try:
        return text.format_map(_Placeholders(values))
    except (ValueError, IndexError, AttributeError, KeyError):
        return text
