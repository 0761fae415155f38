"""The action lists compiled once per shape give what the ORM gives, for every reader.

``action_row_page_for_user`` (the API's list) and ``plan_outline_for_user`` (the outline and
the roadmap) run a query compiled once per process for each shape of reader and filters
(liptako.core.compiled); these tests compare them, reader by reader and filter by
filter, with the same query built by the ORM on each call, and check that the plan looked up
inside the rows query keeps ``access_plan``'s 404.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import router
from django.http import Http404

from liptako.accounts.models import Membership, Role
from liptako.plans import selectors
from liptako.plans.models import Action, Priority
from liptako.plans.selectors import (
    ActionFilters,
    action_row_page_for_plan_uid,
    action_row_page_for_user,
    plan_outline_for_user,
)
from liptako.plans.tests.conftest import make_actions
from liptako.testing import make_user

FILTERS = {
    "none": ActionFilters(),
    "axis": None,  # the first axis: set in the test (its uid is the plan's)
    "lead": ActionFilters(lead_state="BFA"),
    "partner": ActionFilters(partner_state="NER"),
    "priority": ActionFilters(priority=Priority.HIGH),
    "one word": ActionFilters(text="Procédures"),
    "two words": ActionFilters(text="harmoniser TRANSMISSION"),
    "100% and _": ActionFilters(text="100% a_b"),  # LIKE's wildcards, searched as text
    "no word": ActionFilters(text=" - "),  # reveals content, but no word to search
    "all": ActionFilters(lead_state="MLI", partner_state="BFA", text="guide"),
}


@pytest.fixture
def readers(aes, secretariat, expert_mli, validator_bfa, observer, outsider, admin_user):
    two_states = make_user("expert.two", role=Role.EXPERT, member_state=aes.burkina)
    Membership.objects.create(user=two_states, role=Role.OBSERVER, member_state=aes.niger)
    inactive = make_user("expert.gone", role=Role.EXPERT, member_state=aes.niger)
    inactive.is_active = False
    inactive.save()
    return {
        "secretariat": secretariat,
        "expert MLI": expert_mli,
        "validator BFA": validator_bfa,
        "observer MLI": observer,
        "two states": two_states,
        "no role": outsider,
        "admin only": admin_user,
        "deactivated": inactive,
    }


@pytest.fixture
def plan(small_plan, aes):
    """The small plan, 14 actions: some releasable to some member states only."""
    make_actions(small_plan.plan, small_plan.objective12, 11)
    small_plan.action_np.releasable_to.set([aes.burkina])
    small_plan.action_c.releasable_to.set([aes.mali, aes.niger])
    made = list(Action.objects.filter(objective=small_plan.objective12).order_by("position"))
    Action.objects.filter(pk__in=[made[2].pk, made[7].pk]).update(priority=Priority.HIGH)
    made[4].releasable_to.set([aes.niger])
    return small_plan


def _orm_page(monkeypatch, **arguments):
    with monkeypatch.context() as patched:
        patched.setattr(selectors, "_compiled_rows", lambda shape, using: None)
        return action_row_page_for_user(**arguments)


def _summary(page):
    return (page.number, page.paginator.count, page.paginator.num_pages, page.object_list)


@pytest.mark.parametrize("filter_name", FILTERS)
def test_compiled_rows_are_the_orm_rows_for_every_reader_filter_and_page(
    plan, readers, filter_name, monkeypatch
):
    filters = FILTERS[filter_name] or ActionFilters(axis=plan.axis1.uid)
    for name, reader in readers.items():
        for page in (1, 2, 3):
            arguments = {
                "user": reader,
                "plan": plan.plan,
                "filters": filters,
                "page": page,
                "per_page": 4,
            }
            compiled = action_row_page_for_user(**arguments)
            assert _summary(compiled) == _summary(_orm_page(monkeypatch, **arguments)), (
                name,
                page,
            )


def test_the_usual_shapes_are_compiled(plan, readers):
    """A shape that silently fell back to the ORM would only show as a slower list."""
    using = router.db_for_read(Action)
    for name, reader in readers.items():
        access = selectors._reader_access(reader)
        for filter_name, filters in FILTERS.items():
            filters = filters or ActionFilters(axis=plan.axis1.uid)
            words = selectors.normalise_search_text(filters.text).split()
            for outline in (False, True):
                shape = selectors._rows_shape(access, filters, words, outline=outline)
                assert selectors._compiled_rows(shape, using) is not None, (name, filter_name)


@pytest.mark.parametrize("filter_name", FILTERS)
def test_the_compiled_outline_is_the_orm_outline_for_every_reader_and_filter(
    plan, readers, filter_name, monkeypatch
):
    filters = FILTERS[filter_name] or ActionFilters(axis=plan.axis1.uid)

    def outline(reader):
        tree = plan_outline_for_user(user=reader, plan=plan.plan, filters=filters)
        return [
            (axis.axis.code, [(o.objective.code, o.actions) for o in axis.objectives])
            for axis in tree.axes
        ]

    for name, reader in readers.items():
        compiled = outline(reader)
        with monkeypatch.context() as patched:
            patched.setattr(selectors, "_compiled_rows", lambda shape, using: None)
            assert compiled == outline(reader), name


def test_a_reader_sees_the_same_rows_whatever_reader_was_compiled_first(plan, readers):
    """The compiled query holds no reader's values: each call binds its own."""
    secretariat, observer = readers["secretariat"], readers["observer MLI"]
    seen_by_secretariat = action_row_page_for_user(user=secretariat, plan=plan.plan)
    seen_by_observer = action_row_page_for_user(user=observer, plan=plan.plan)
    titles = {row["code"]: row.get("title") for row in seen_by_observer.object_list}
    assert titles["A2.1.1"] is None  # C, above the observer's NP
    assert titles["A1.1.1"] is None  # releasable to Burkina Faso only
    assert [row["redacted"] for row in seen_by_secretariat.object_list].count(True) == 0


def test_the_plan_looked_up_by_the_rows_query_answers_as_access_plan(
    plan, readers, monkeypatch, django_assert_num_queries
):
    secretariat = readers["secretariat"]
    secretariat.access  # noqa: B018 (computed once per request, before the list)
    with django_assert_num_queries(1):  # the plan, the rows and their count: one query
        by_uid = action_row_page_for_plan_uid(user=secretariat, plan_uid=plan.plan.uid)
    assert _summary(by_uid) == _summary(action_row_page_for_user(user=secretariat, plan=plan.plan))
    for name, reader in readers.items():
        for page in (1, 3, 9):  # 9: past the end, the plan is looked up, then the last page
            arguments = {"filters": FILTERS["lead"], "page": page, "per_page": 2}
            if name in {"no role", "admin only", "deactivated"}:
                with pytest.raises(Http404):
                    action_row_page_for_plan_uid(user=reader, plan_uid=plan.plan.uid, **arguments)
                continue
            by_uid = action_row_page_for_plan_uid(user=reader, plan_uid=plan.plan.uid, **arguments)
            by_id = _orm_page(monkeypatch, user=reader, plan=plan.plan, **arguments)
            assert _summary(by_uid) == _summary(by_id), (name, page)
    with pytest.raises(Http404):
        action_row_page_for_plan_uid(user=secretariat, plan_uid=uuid.uuid4())


def test_a_plan_above_the_readers_clearance_is_not_found(plan, readers, markings):
    plan.plan.classification = markings["DR"]
    plan.plan.save()
    with pytest.raises(Http404):  # the observer is cleared NP only
        action_row_page_for_plan_uid(user=readers["observer MLI"], plan_uid=plan.plan.uid)
    page = action_row_page_for_plan_uid(user=readers["expert MLI"], plan_uid=plan.plan.uid)
    assert page.paginator.count == 14


def test_an_empty_plan_gives_an_empty_page_not_a_404(small_plan, secretariat):
    Action.objects.filter(plan=small_plan.plan).delete()
    page = action_row_page_for_plan_uid(user=secretariat, plan_uid=small_plan.plan.uid)
    assert (page.object_list, page.paginator.count, page.number) == ([], 0, 1)


@pytest.mark.parametrize("page", [10**6, 2**62, 10**30])
def test_a_page_far_past_the_end_gives_the_last_page(plan, readers, page):
    # Its offset would not fit a 64-bit integer: SQLite refuses it, PostgreSQL fails on it.
    secretariat = readers["secretariat"]
    by_uid = action_row_page_for_plan_uid(
        user=secretariat, plan_uid=plan.plan.uid, page=page, per_page=4
    )
    by_id = action_row_page_for_user(user=secretariat, plan=plan.plan, page=page, per_page=4)
    assert by_uid.number == by_id.number == 4  # 14 actions, 4 per page
    assert by_uid.object_list == by_id.object_list != []


def test_each_row_lists_the_member_states_its_action_is_releasable_to(plan, readers):
    rows = action_row_page_for_user(user=readers["secretariat"], plan=plan.plan).object_list
    releasable = {row["code"]: row["releasable_to"] for row in rows}
    assert releasable.pop(plan.action_np.code) == ["BFA"]
    assert releasable.pop(plan.action_c.code) == ["MLI", "NER"]
    assert sorted(releasable.values()).count(["NER"]) == 1  # one of the made actions
    assert all(codes in ([], ["NER"]) for codes in releasable.values())
