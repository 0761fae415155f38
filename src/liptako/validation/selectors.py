"""Reads of the validation workflow, scoped to the user (plans they see, their decisions)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from liptako.accounts.models import Membership, Role
from liptako.alliance.models import MemberState
from liptako.plans.models import Plan, PlanVersion
from liptako.validation.models import (
    Decision,
    DecisionKind,
    IssuedStatement,
    KeyStatus,
    SigningKey,
    VersionState,
    VersionStatus,
)
from liptako.validation.offline import evaluate_quorum

if TYPE_CHECKING:
    from liptako.accounts.models import User


@dataclass(frozen=True)
class Awaited:
    """A decision awaited from ``user``: ``kind`` on ``state``'s version for ``member_state``."""

    user: User
    state: VersionState
    kind: str
    member_state: MemberState | None


def decisions_of(version: PlanVersion) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(version=version)
        .select_related("member_state", "actor", "key", "statement")
        .order_by("decided_at", "id")
    )


def decisions_for_versions(version_ids: list[int]) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(version_id__in=version_ids)
        .select_related("member_state", "actor", "key")
        .order_by("decided_at", "id")
    )


def state_of(*, version: PlanVersion) -> VersionState | None:
    return VersionState.objects.filter(version=version).first()


def issued_statement(
    *, version: PlanVersion, signer: User, kind: str, member_state: MemberState
) -> IssuedStatement | None:
    """The statement already issued to ``signer`` for this decision, or None (never issues)."""
    return (
        IssuedStatement.objects.filter(
            version=version, signer=signer, kind=kind, member_state=member_state
        )
        .select_related("decision")
        .first()
    )


def awaited_decisions(states: Iterable[VersionState]) -> list[Awaited]:
    """Who must act next on each version: validators still to approve, the secretariat to
    submit, the adopting role to adopt. A constant number of queries for any number of states."""
    states = list(states)
    if not states:
        return []
    memberships = list(
        Membership.objects.filter(user__is_active=True).select_related("user", "member_state")
    )
    decided: dict[int, set[tuple[Any, ...]]] = {}
    for version_id, code, role, actor_id in Decision.objects.filter(
        version_id__in=[state.version_id for state in states]
    ).values_list("version_id", "member_state__code", "role", "actor_id"):
        decided.setdefault(version_id, set()).update({(code, role), ("actor", actor_id)})
    awaited: list[Awaited] = []
    for state in states:
        done = decided.get(state.version_id, set())
        if state.status == VersionStatus.IN_VALIDATION:
            result = evaluate_quorum(
                state.quorum,
                [(code, role, None) for code, role in (d for d in done if d[0] != "actor")],
            )
            missing = {(req.member_state, req.role) for req in result.missing}
            for membership in memberships:
                state_code = membership.member_state.code if membership.member_state else None
                if (state_code, membership.role) in missing and (
                    "actor",
                    membership.user_id,
                ) not in done:
                    awaited.append(
                        Awaited(
                            membership.user, state, DecisionKind.APPROVE, membership.member_state
                        )
                    )
        elif state.status == VersionStatus.VALIDATED:
            awaited += [
                Awaited(m.user, state, DecisionKind.SUBMIT, None)
                for m in memberships
                if m.role == Role.SECRETARIAT
            ]
        elif state.status == VersionStatus.SUBMITTED:
            role = state.quorum["adoption"]["role"]
            seen: set[int] = set()
            for membership in memberships:
                if membership.role == role and membership.user_id not in seen:
                    seen.add(membership.user_id)
                    awaited.append(
                        Awaited(membership.user, state, DecisionKind.ADOPT, membership.member_state)
                    )
    return awaited


def pending_states() -> QuerySet[VersionState]:
    return VersionState.objects.filter(
        status__in=[VersionStatus.IN_VALIDATION, VersionStatus.VALIDATED, VersionStatus.SUBMITTED]
    ).select_related("version", "plan", "plan__classification")


def awaiting_user(*, user: User) -> list[Awaited]:
    """The decisions awaited from ``user`` on plans they see (home page, reminders)."""
    visible = set(Plan.objects.visible_to(user).values_list("pk", flat=True))
    states = [state for state in pending_states() if state.plan_id in visible]
    return [item for item in awaited_decisions(states) if item.user.pk == user.pk]


def states_of_plan(*, plan: Plan) -> dict[int, VersionState]:
    """The workflow rows of a plan's versions, by version id."""
    return {
        state.version_id: state
        for state in VersionState.objects.filter(plan=plan).select_related("opened_by")
    }


def version_in_force(*, plan: Plan) -> PlanVersion | None:
    """The adopted version that applies (also during a revision), or None."""
    state = (
        VersionState.objects.filter(plan=plan, status=VersionStatus.ADOPTED)
        .select_related("version")
        .first()
    )
    return state.version if state is not None else None


def last_approved_by_state(
    *, version: PlanVersion, member_state: MemberState
) -> PlanVersion | None:
    """The latest earlier version of the plan that ``member_state`` approved."""
    decision = (
        Decision.objects.filter(
            version__plan_id=version.plan_id,
            version__number__lt=version.number,
            member_state=member_state,
            kind=DecisionKind.APPROVE,
        )
        .select_related("version")
        .order_by("-version__number")
        .first()
    )
    return decision.version if decision is not None else None


def keys_of(*, user: User) -> QuerySet[SigningKey]:
    return SigningKey.objects.filter(holder=user).select_related("confirmed_by", "revoked_by")


def keys_for_secretariat() -> QuerySet[SigningKey]:
    """Every key, pending ones first (the ceremony's work list)."""
    return SigningKey.objects.select_related("holder", "confirmed_by", "revoked_by").order_by(
        "status", "-created_at"
    )


def confirmed_key(*, user: User) -> SigningKey | None:
    return SigningKey.objects.filter(holder=user, status=KeyStatus.CONFIRMED).first()
