"""Property-based tests of need-to-know: random users against every kind of marked object.

A pool of plans, actions, meetings and decisions covers every marking and every set of
member states they may be released to. Hypothesis draws users (roles, member states,
clearance, active or not) and checks that ``visible_to`` returns exactly what the rule of
DESIGN.md allows (selector level, most examples), and that pages and the API answer 404 for
what it hides and the same 404 for ids that name nothing (view level, a share).

``LIPTAKO_PROPERTY_EXAMPLES`` sets the number of selector-level examples (default 9,700);
``LIPTAKO_PROPERTY_VIEW_EXAMPLES`` the view-level ones (default 300): 10,000 in all.
"""

from __future__ import annotations

import datetime
import itertools
import os
import time
import uuid
from dataclasses import dataclass

import pytest
from django.test import Client
from django.test.utils import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liptako.accounts.models import Access, Role, User
from liptako.alliance.models import MemberState
from liptako.core.models import MarkingLevel
from liptako.meetings.models import Meeting, MeetingDecision
from liptako.plans.models import Action, Plan
from liptako.testing import AllianceFixture, make_user

pytestmark = pytest.mark.django_db

SELECTOR_EXAMPLES = int(os.environ.get("LIPTAKO_PROPERTY_EXAMPLES", "9700"))
VIEW_EXAMPLES = int(os.environ.get("LIPTAKO_PROPERTY_VIEW_EXAMPLES", "300"))
ROLES = [role.value for role in Role]
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATE_CODES = ["MLI", "BFA", "NER"]


@dataclass(frozen=True)
class Marked:
    """What decides an object's visibility, read once from the database."""

    rank: int
    released_to: frozenset[int]
    parent: Marked | None = None


@dataclass(frozen=True)
class UserSpec:
    memberships: tuple[tuple[str, str | None], ...]  # (role, state code or None)
    clearance: str
    is_active: bool


def may_see(spec: UserSpec, ranks: dict[str, int], states: dict[str, int], item: Marked) -> bool:
    """DESIGN.md (Trust), from the specification: not from ``visible_to``."""
    if not spec.is_active:
        return False
    roles = {role for role, _ in spec.memberships}
    if not roles - {Role.ADMIN}:
        return False
    if item.parent is not None and not may_see(spec, ranks, states, item.parent):
        return False
    if item.rank > ranks[spec.clearance]:
        return False
    if Role.SECRETARIAT in roles or not item.released_to:
        return True
    own = {states[code] for _, code in spec.memberships if code}
    return bool(own & item.released_to)


def _membership(role: str, state_code: str) -> tuple[str, str | None]:
    # Alliance-wide roles are held for no member state.
    return (role, None if role in {Role.SECRETARIAT, Role.ADMIN} else state_code)


MEMBERSHIPS = [_membership(role, code) for role in ROLES for code in STATE_CODES]


def user_specs() -> st.SearchStrategy[UserSpec]:
    return st.builds(
        UserSpec,
        memberships=st.lists(st.sampled_from(MEMBERSHIPS), max_size=3).map(tuple),
        clearance=st.sampled_from(["NP", "DR", "C"]),
        is_active=st.sampled_from([True, True, True, False]),
    )


def unsaved_user(spec: UserSpec, ranks: dict[str, int], states: dict[str, int]) -> User:
    """A user whose ``access`` is what its memberships would give (no row written)."""
    user = User(username=f"u{uuid.uuid4().hex[:8]}", is_active=spec.is_active)
    by_state: dict[int, set[str]] = {}
    for role, code in spec.memberships:
        if code:
            by_state.setdefault(states[code], set()).add(role)
    user.__dict__["access"] = Access(
        clearance_rank=ranks[spec.clearance],
        roles=frozenset(role for role, _ in spec.memberships),
        member_state_ids=frozenset(by_state),
        roles_by_state={state: frozenset(roles) for state, roles in by_state.items()},
    )
    return user


@dataclass
class Pool:
    ranks: dict[str, int]
    states: dict[str, int]
    items: dict[type, dict[int, Marked]]  # model -> pk -> what decides
    plans: list[Plan]


def _subsets(states: list[MemberState]) -> list[list[MemberState]]:
    return [
        list(subset)
        for size in range(len(states) + 1)
        for subset in itertools.combinations(states, size)
    ]


@pytest.fixture
def pool(secretariat: User, aes: AllianceFixture, markings: dict[str, MarkingLevel]) -> Pool:
    """Every marking and every release set, for plans, actions (in plans of each marking),
    meetings and decisions (in meetings of each marking)."""
    from liptako.meetings.models import DecisionKind
    from liptako.plans.models import Axis, Objective

    subsets = _subsets(aes.states)
    ranks = {code: level.rank for code, level in markings.items()}
    states = {state.code: state.pk for state in aes.states}
    items: dict[type, dict[int, Marked]] = {Plan: {}, Action: {}, Meeting: {}, MeetingDecision: {}}
    plans = []
    start = datetime.date(2025, 1, 1)
    moment = datetime.datetime(2025, 3, 1, 9, tzinfo=datetime.UTC)
    for code, released in itertools.product(markings, subsets):
        plan = Plan.objects.create(
            alliance=aes.alliance,
            title=f"Plan {code}",
            period_start=start,
            period_end=start,
            classification=markings[code],
        )
        plan.releasable_to.set(released)
        plans.append(plan)
        plan_marked = Marked(markings[code].rank, frozenset(s.pk for s in released))
        items[Plan][plan.pk] = plan_marked
        meeting = Meeting.objects.create(
            alliance=aes.alliance,
            title=f"Réunion {code}",
            starts_at=moment,
            ends_at=moment,
            host_state=aes.mali,
            classification=markings[code],
        )
        meeting.releasable_to.set(released)
        meeting_marked = Marked(markings[code].rank, frozenset(s.pk for s in released))
        items[Meeting][meeting.pk] = meeting_marked
        axis = Axis.objects.create(plan=plan, title="Axe", position=1, code="1")
        objective = Objective.objects.create(
            plan=plan, axis=axis, title="Objectif", position=1, code="1.1"
        )
        for index, (child_code, child_released) in enumerate(
            itertools.product(markings, [[], [aes.niger]])
        ):
            action = Action.objects.create(
                plan=plan,
                objective=objective,
                title=f"Action {index}",
                position=index + 1,
                code=f"1.1.{index + 1}",
                lead_state=aes.mali,
                start_date=start,
                end_date=start,
                classification=markings[child_code],
            )
            action.releasable_to.set(child_released)
            items[Action][action.pk] = Marked(
                markings[child_code].rank,
                frozenset(s.pk for s in child_released),
                parent=plan_marked,
            )
            decision = MeetingDecision.objects.create(
                meeting=meeting,
                kind=DecisionKind.choices[0][0],
                text=f"Décision {index}",
                number=index + 1,
                classification=markings[child_code],
            )
            decision.releasable_to.set(child_released)
            items[MeetingDecision][decision.pk] = Marked(
                markings[child_code].rank,
                frozenset(s.pk for s in child_released),
                parent=meeting_marked,
            )
    return Pool(ranks=ranks, states=states, items=items, plans=plans)


def _visible(model: type, user: User) -> set[int]:
    queryset = model.objects.visible_to(user)  # type: ignore[attr-defined]
    if model is Action:
        queryset = queryset.filter(plan__in=Plan.objects.visible_to(user))
    if model is MeetingDecision:
        queryset = queryset.filter(meeting__in=Meeting.objects.visible_to(user))
    return set(queryset.values_list("pk", flat=True))


def test_visible_to_shows_exactly_what_the_rule_allows(pool: Pool) -> None:
    checked: dict[str, float] = {"examples": 0, "objects": 0, "query_seconds": 0.0}

    @settings(
        max_examples=SELECTOR_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(spec=user_specs(), model=st.sampled_from([Plan, Action, Meeting, MeetingDecision]))
    def check(spec: UserSpec, model: type) -> None:
        user = unsaved_user(spec, pool.ranks, pool.states)
        expected = {
            pk
            for pk, item in pool.items[model].items()
            if may_see(spec, pool.ranks, pool.states, item)
        }
        began = time.perf_counter()
        assert _visible(model, user) == expected, (spec, model.__name__)
        checked["query_seconds"] += time.perf_counter() - began
        checked["examples"] += 1
        checked["objects"] += len(pool.items[model])

    check()
    assert checked["examples"] >= SELECTOR_EXAMPLES * 0.9
    print(
        f"visible_to: {checked['examples']} examples, {checked['objects']} object checks, "
        f"{checked['query_seconds']:.1f} s in queries"
    )


def test_pages_and_api_hide_what_the_rule_hides(pool: Pool, aes: AllianceFixture) -> None:
    checked = {"examples": 0}
    users: dict[UserSpec, tuple[Client, User]] = {}

    @settings(
        max_examples=VIEW_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        spec=user_specs(),
        plan_index=st.integers(min_value=0, max_value=len(pool.plans) - 1),
        through_api=st.booleans(),
    )
    def check(spec: UserSpec, plan_index: int, through_api: bool) -> None:
        if spec not in users:
            with override_settings(PASSWORD_HASHERS=FAST_HASHER):
                user = make_user(f"p{uuid.uuid4().hex[:10]}", clearance=spec.clearance)
            for role, code in spec.memberships:
                state = MemberState.objects.get(code=code) if code else None
                user.memberships.get_or_create(role=role, member_state=state)
            User.objects.filter(pk=user.pk).update(is_active=spec.is_active)
            client = Client()
            client.force_login(user)
            users[spec] = (client, user)
        client, _user = users[spec]
        plan = pool.plans[plan_index]
        prefix = "/api/v1/plans/" if through_api else "/plans/"
        suffix = "" if through_api else "/"
        answer = client.get(f"{prefix}{plan.uid}{suffix}")
        missing = client.get(f"{prefix}{uuid.uuid4()}{suffix}")
        if may_see(spec, pool.ranks, pool.states, pool.items[Plan][plan.pk]):
            assert answer.status_code == 200, (spec, plan.title)
        else:
            assert answer.status_code == missing.status_code, (spec, plan.title)
            assert answer.status_code in {302, 401, 403, 404}, (spec, answer.status_code)
        checked["examples"] += 1

    check()
    assert checked["examples"] >= VIEW_EXAMPLES * 0.9
