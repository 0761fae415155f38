"""The plan's workflow as an explicit state machine (DESIGN.md, "The plan's life").

Each transition names the version status it leaves and enters and the plan status it leaves
and enters. :func:`apply` moves both with conditional UPDATEs (``WHERE status = old``), so a
double click, two signers at once or a stale page moves the workflow once; the loser gets
:class:`WorkflowConflict` with a translated message. See docs/decisions/0080-workflow.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from liptako.plans.models import Plan, PlanStatus
from liptako.validation.models import VersionState, VersionStatus


class WorkflowConflict(Exception):
    """The workflow moved meanwhile (or the move is not allowed from the current state)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Transition:
    name: str
    version_from: tuple[VersionStatus, ...]
    version_to: VersionStatus | None
    plan_from: tuple[PlanStatus, ...]
    plan_to: PlanStatus


EDITABLE = (PlanStatus.DRAFTING, PlanStatus.CHANGES_REQUESTED)

TRANSITIONS: dict[str, Transition] = {
    transition.name: transition
    for transition in [
        # A freeze sends the new version to validation (the version's row is created then).
        Transition("open", (), VersionStatus.IN_VALIDATION, EDITABLE, PlanStatus.IN_VALIDATION),
        # A freeze while a version is in validation supersedes it.
        Transition(
            "supersede",
            (VersionStatus.IN_VALIDATION,),
            VersionStatus.SUPERSEDED,
            (PlanStatus.IN_VALIDATION,),
            PlanStatus.DRAFTING,
        ),
        Transition(
            "withdraw",
            (VersionStatus.IN_VALIDATION,),
            VersionStatus.WITHDRAWN,
            (PlanStatus.IN_VALIDATION,),
            PlanStatus.DRAFTING,
        ),
        Transition(
            "validate",
            (VersionStatus.IN_VALIDATION,),
            VersionStatus.VALIDATED,
            (PlanStatus.IN_VALIDATION,),
            PlanStatus.VALIDATED,
        ),
        Transition(
            "request_changes",
            (VersionStatus.IN_VALIDATION,),
            VersionStatus.CHANGES_REQUESTED,
            (PlanStatus.IN_VALIDATION,),
            PlanStatus.CHANGES_REQUESTED,
        ),
        Transition(
            "submit",
            (VersionStatus.VALIDATED,),
            VersionStatus.SUBMITTED,
            (PlanStatus.VALIDATED,),
            PlanStatus.SUBMITTED,
        ),
        Transition(
            "adopt",
            (VersionStatus.SUBMITTED,),
            VersionStatus.ADOPTED,
            (PlanStatus.SUBMITTED,),
            PlanStatus.IN_IMPLEMENTATION,
        ),
        Transition(
            "return",
            (VersionStatus.SUBMITTED,),
            VersionStatus.RETURNED,
            (PlanStatus.SUBMITTED,),
            PlanStatus.DRAFTING,
        ),
        # A revision: the plan is drafted again, the adopted version stays in force.
        Transition("revise", (), None, (PlanStatus.IN_IMPLEMENTATION,), PlanStatus.DRAFTING),
        Transition("close", (), None, (PlanStatus.IN_IMPLEMENTATION,), PlanStatus.CLOSED),
    ]
}


def move_plan(plan: Plan, transition: Transition) -> None:
    """Move the plan's status, or raise :class:`WorkflowConflict` when it moved meanwhile."""
    moved = Plan.objects.filter(pk=plan.pk, status__in=transition.plan_from).update(
        status=transition.plan_to, lock_version=F("lock_version") + 1
    )
    if moved != 1:
        raise WorkflowConflict(
            _("The plan is no longer in the expected state: reload the page to see its status.")
        )
    plan.refresh_from_db(fields=["status", "lock_version"])


def move_version(state: VersionState, transition: Transition) -> None:
    if transition.version_to is None:
        return
    moved = VersionState.objects.filter(pk=state.pk, status__in=transition.version_from).update(
        status=transition.version_to, status_changed_at=timezone.now()
    )
    if moved != 1:
        raise WorkflowConflict(
            _("This version is no longer in the expected state: reload the page to see its status.")
        )
    state.refresh_from_db(fields=["status", "status_changed_at"])


def apply(name: str, *, plan: Plan, state: VersionState | None) -> Transition:
    """Apply transition ``name`` to the version's state (when it has one) and to the plan."""
    transition = TRANSITIONS[name]
    if state is not None:
        move_version(state, transition)
    move_plan(plan, transition)
    return transition
