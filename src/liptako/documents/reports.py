"""What the plan documents show: plain dataclasses built by ``documents.selectors``.

The renderers (``pdf``, ``word``) take these and return bytes; they never query the database.
Values are kept raw (dates, decimals) and formatted by the renderer in the report's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class Marking:
    code: str
    label: str
    rank: int


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    baseline: str
    target: str
    unit: str
    means_of_verification: str


@dataclass(frozen=True)
class ActionRow:
    code: str
    title: str
    description: str
    lead_state: str
    lead_state_code: str
    partner_states: str
    organisation: str
    start_date: date | None
    end_date: date | None
    budget_amount: Decimal | None
    budget_currency: str
    priority: str
    marking: Marking
    indicators: tuple[IndicatorRow, ...] = ()
    is_redacted: bool = False


@dataclass(frozen=True)
class RedactedRow:
    """An action the reader may not see: its code and marking only."""

    code: str
    marking: Marking
    is_redacted: bool = True


@dataclass(frozen=True)
class ObjectiveSection:
    code: str
    title: str
    description: str
    actions: tuple[ActionRow | RedactedRow, ...]

    @property
    def indicators(self) -> list[IndicatorRow]:
        return [
            indicator
            for action in self.actions
            if isinstance(action, ActionRow)
            for indicator in action.indicators
        ]


@dataclass(frozen=True)
class AxisSection:
    code: str
    title: str
    description: str
    objectives: tuple[ObjectiveSection, ...]

    @property
    def anchor(self) -> str:
        return f"axis-{self.code}"


@dataclass(frozen=True)
class RoadmapPart:
    year: int
    part: int
    parts: int
    svg: str


@dataclass(frozen=True)
class DecisionRow:
    signer_name: str
    signer_position: str
    member_state: str
    kind: str
    decision: str
    decided_at: datetime
    key_fingerprint: str
    is_signed: bool


@dataclass(frozen=True)
class PlanReport:
    language: str
    alliance: str
    plan_title: str
    plan_description: str
    period_start: date
    period_end: date
    version_number: int | None  # None: the live draft
    digest: str  # "" for the live draft (not frozen)
    frozen_at: datetime | None
    generated_at: datetime
    marking: Marking
    axes: tuple[AxisSection, ...]
    roadmap: tuple[RoadmapPart, ...]
    decisions: tuple[DecisionRow, ...] = field(default=())
    redacted_count: int = 0

    @property
    def is_draft(self) -> bool:
        return self.version_number is None

    @property
    def action_count(self) -> int:
        return sum(len(objective.actions) for axis in self.axes for objective in axis.objectives)


@dataclass(frozen=True)
class TransmissionLetter:
    language: str
    subject: str
    paragraphs: tuple[str, ...]
    signature_block: str
    place_and_date: str
    marking: Marking
    plan_title: str
    digest: str
