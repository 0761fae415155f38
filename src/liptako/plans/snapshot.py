"""The canonical document of a plan (what a frozen version holds) and its redaction.

The document is plain JSON: strings, integers, booleans, null, lists and objects; dates are
ISO strings, decimals are strings without trailing zeros ("1250000", "12.5"), references to
member states are their ISO codes, markings their codes. Lists follow the plan's order
(position, then uid for equal positions); sets (partner states, releasability) are sorted.
The same plan always gives the same bytes (``core.canonical``), so identical content gives
the identical digest whatever the version number or the time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from liptako.core.models import MarkingLevel
from liptako.plans.models import Action, Axis, Indicator, Milestone, Objective, Plan

FORMAT = "liptako.plan/1"


def decimal_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def date_text(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _codes(states: Iterable[Any]) -> list[str]:
    return sorted(state.code for state in states)


def plan_fields(plan: Plan) -> dict[str, Any]:
    return {
        "uid": str(plan.uid),
        "title": plan.title,
        "description": plan.description,
        "alliance": plan.alliance.acronym or plan.alliance.name,
        "period_start": date_text(plan.period_start),
        "period_end": date_text(plan.period_end),
        "classification": plan.classification.code,
        "releasable_to": _codes(plan.releasable_to.all()),
    }


def axis_fields(axis: Axis) -> dict[str, Any]:
    return {
        "uid": str(axis.uid),
        "code": axis.code,
        "position": axis.position,
        "title": axis.title,
        "description": axis.description,
    }


def objective_fields(objective: Objective) -> dict[str, Any]:
    return {
        "uid": str(objective.uid),
        "code": objective.code,
        "position": objective.position,
        "title": objective.title,
        "description": objective.description,
    }


def action_fields(action: Action) -> dict[str, Any]:
    organisation = action.responsible_organisation
    return {
        "uid": str(action.uid),
        "code": action.code,
        "position": action.position,
        "title": action.title,
        "description": action.description,
        "lead_state": action.lead_state.code,
        "partner_states": _codes(_states(action, "partner_state_list", "partner_states")),
        "responsible_organisation": str(organisation) if organisation is not None else None,
        "start_date": date_text(action.start_date),
        "end_date": date_text(action.end_date),
        "budget_amount": decimal_text(action.budget_amount),
        "budget_currency": action.budget_currency,
        "priority": action.priority,
        "classification": action.classification.code,
        "releasable_to": _codes(_states(action, "releasable_list", "releasable_to")),
    }


def _states(action: Action, loaded: str, relation: str) -> Iterable[Any]:
    """Member states already attached by the selector, else from the relation."""
    states = getattr(action, loaded, None)
    return states if states is not None else getattr(action, relation).all()


def indicator_fields(indicator: Indicator) -> dict[str, Any]:
    return {
        "uid": str(indicator.uid),
        "code": indicator.code,
        "position": indicator.position,
        "name": indicator.name,
        "measure": indicator.measure,
        "unit": indicator.unit,
        "direction": indicator.direction,
        "time_aggregation": indicator.time_aggregation,
        "state_aggregation": indicator.state_aggregation,
        "baseline_value": decimal_text(indicator.baseline_value),
        "baseline_text": indicator.baseline_text,
        "baseline_date": date_text(indicator.baseline_date),
        "target_value": decimal_text(indicator.target_value),
        "target_text": indicator.target_text,
        "tolerance": decimal_text(indicator.tolerance),
        "means_of_verification": indicator.means_of_verification,
    }


def milestone_fields(milestone: Milestone) -> dict[str, Any]:
    return {
        "uid": str(milestone.uid),
        "position": milestone.position,
        "title": milestone.title,
        "due_date": date_text(milestone.due_date),
    }


_Item = TypeVar("_Item", Axis, Objective, Action, Indicator, Milestone)


def _ordered(items: Iterable[_Item]) -> list[_Item]:
    return sorted(items, key=lambda item: (item.position, str(item.uid)))


def build_document(
    *,
    plan: Plan,
    axes: Sequence[Axis],
    objectives: Sequence[Objective],
    actions: Sequence[Action],
    indicators: Sequence[Indicator],
    milestones: Sequence[Milestone],
) -> dict[str, Any]:
    """The whole plan as one JSON document (rows already loaded, related rows prefetched)."""
    objectives_by_axis: dict[int, list[Objective]] = defaultdict(list)
    for objective in objectives:
        objectives_by_axis[objective.axis_id].append(objective)
    actions_by_objective: dict[int, list[Action]] = defaultdict(list)
    for action in actions:
        actions_by_objective[action.objective_id].append(action)
    indicators_by_action: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        indicators_by_action[indicator.action_id].append(indicator)
    milestones_by_action: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in milestones:
        milestones_by_action[milestone.action_id].append(milestone)

    def action_node(action: Action) -> dict[str, Any]:
        node = action_fields(action)
        node["indicators"] = [
            indicator_fields(i) for i in _ordered(indicators_by_action[action.pk])
        ]
        node["milestones"] = [
            milestone_fields(m) for m in _ordered(milestones_by_action[action.pk])
        ]
        return node

    def objective_node(objective: Objective) -> dict[str, Any]:
        node = objective_fields(objective)
        node["actions"] = [action_node(a) for a in _ordered(actions_by_objective[objective.pk])]
        return node

    def axis_node(axis: Axis) -> dict[str, Any]:
        node = axis_fields(axis)
        node["objectives"] = [objective_node(o) for o in _ordered(objectives_by_axis[axis.pk])]
        return node

    return {
        "format": FORMAT,
        "plan": plan_fields(plan),
        "axes": [axis_node(axis) for axis in _ordered(axes)],
    }


@dataclass(frozen=True)
class Viewer:
    """What a reader may see of a frozen document: their clearance and member states.

    Frozen documents carry markings and member states as codes; this holds the reader's
    access in the same terms (built by ``selectors.viewer_for``).
    """

    clearance_rank: int
    rank_by_marking: dict[str, int]
    member_state_codes: frozenset[str]
    sees_all_member_states: bool
    sees_content: bool = True

    def may_see(self, node: dict[str, Any]) -> bool:
        """Whether a plan or action node (with ``classification``, ``releasable_to``) is visible."""
        if not self.sees_content:
            return False
        # An unknown marking (removed from the scale since) counts as the most sensitive.
        rank = self.rank_by_marking.get(node.get("classification", ""), 10**6)
        if rank > self.clearance_rank:
            return False
        releasable = node.get("releasable_to") or []
        if not releasable or self.sees_all_member_states:
            return True
        return bool(self.member_state_codes.intersection(releasable))


def redacted_action_node(action: dict[str, Any]) -> dict[str, Any]:
    """What a reader without access learns of an action: its code and marking, nothing else."""
    return {"code": action["code"], "classification": action["classification"], "redacted": True}


def redact_document(document: dict[str, Any], viewer: Viewer) -> dict[str, Any]:
    """A copy of ``document`` where actions the viewer may not see are redacted entries."""
    axes = []
    for axis in document["axes"]:
        objectives = []
        for objective in axis["objectives"]:
            actions = [
                action if viewer.may_see(action) else redacted_action_node(action)
                for action in objective["actions"]
            ]
            objectives.append({**objective, "actions": actions})
        axes.append({**axis, "objectives": objectives})
    return {**document, "axes": axes}


def highest_marking(document: dict[str, Any]) -> MarkingLevel | None:
    """The highest marking among what a plan document shows: the plan and its actions.

    Redacted actions are left out: the reader holds only their code, not their content.
    """
    codes = {document["plan"]["classification"]} | {
        action["classification"]
        for axis in document.get("axes", [])
        for objective in axis.get("objectives", [])
        for action in objective.get("actions", [])
        if not action.get("redacted")
    }
    return MarkingLevel.objects.filter(code__in=codes).order_by("-rank").first()
