"""The plan tree and action lists as each reader sees them, in a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from liptako.alliance import services as alliance_services
from liptako.plans import services
from liptako.plans.exceptions import ItemNotFound
from liptako.plans.selectors import (
    ActionFilters,
    OutlineAction,
    RedactedAction,
    action_list_for_user,
    action_row_page_for_user,
    outline_axes,
    plan_document_for_user,
    plan_list_for_user,
    plan_outline_for_user,
    plan_tree_for_user,
    version_document_for_user,
    version_for_user,
)
from liptako.plans.tests.conftest import make_actions


def visible_codes(entries) -> list[tuple[str, bool]]:
    return [(e.code, e.is_redacted) for e in entries]


def test_each_reader_sees_actions_up_to_their_clearance(
    small_plan, secretariat, expert_mli, observer
):
    plan = small_plan.plan
    assert visible_codes(plan_tree_for_user(user=secretariat, plan=plan).actions) == [
        ("A1.1.1", False),
        ("A1.1.2", False),
        ("A2.1.1", False),
    ]
    assert visible_codes(plan_tree_for_user(user=expert_mli, plan=plan).actions) == [
        ("A1.1.1", False),
        ("A1.1.2", False),
        ("A2.1.1", True),
    ]
    entries = plan_tree_for_user(user=observer, plan=plan).actions
    assert visible_codes(entries) == [("A1.1.1", False), ("A1.1.2", True), ("A2.1.1", True)]
    redacted = entries[1]
    assert isinstance(redacted, RedactedAction)
    assert redacted.classification.code == "DR"
    assert redacted.as_dict() == {"redacted": True, "code": "A1.1.2", "classification": "DR"}
    assert not hasattr(redacted, "title")


def test_an_action_not_releasable_to_the_reader_is_redacted(
    small_plan, expert_mli, aes, secretariat
):
    small_plan.action_np.releasable_to.set([aes.niger])
    entries = plan_tree_for_user(user=expert_mli, plan=small_plan.plan).actions
    assert entries[0].is_redacted
    assert not plan_tree_for_user(user=secretariat, plan=small_plan.plan).actions[0].is_redacted


def test_the_tree_holds_indicators_milestones_and_open_comment_counts(small_plan, expert_mli):
    services.comment_add(
        plan=small_plan.plan, actor=expert_mli, item_uid=small_plan.action_np.uid, body="À revoir"
    )
    tree = plan_tree_for_user(user=expert_mli, plan=small_plan.plan)
    node = tree.axes[0].objectives[0].actions[0]
    assert [i.code for i in node.indicators] == ["I1.1.1.1"]
    assert [m.title for m in node.milestones] == ["Guide validé"]
    assert node.open_comments == 1
    assert [o.objective.code for o in tree.axes[0].objectives] == ["O1.1", "O1.2"]


def test_filters_narrow_the_tree_and_leave_hidden_actions_out(small_plan, observer, aes):
    plan = small_plan.plan
    tree = plan_tree_for_user(
        user=observer, plan=plan, filters=ActionFilters(axis=small_plan.axis2.uid)
    )
    assert [a.axis.code for a in tree.axes] == ["A2"]
    assert visible_codes(tree.actions) == [("A2.1.1", True)]  # the axis filter reveals nothing
    tree = plan_tree_for_user(user=observer, plan=plan, filters=ActionFilters(lead_state="BFA"))
    assert tree.actions == []  # the DR action led by Burkina Faso is not even redacted
    tree = plan_tree_for_user(user=observer, plan=plan, filters=ActionFilters(partner_state="NER"))
    assert visible_codes(tree.actions) == [("A1.1.1", False)]
    assert [a.axis.code for a in tree.axes] == ["A1"]


def test_text_search_ignores_case_and_accents(small_plan, secretariat):
    plan = small_plan.plan
    for text in ("securite des echanges", "SÉCURITÉ", "a1.1.1"):
        entries = action_list_for_user(
            user=secretariat, plan=plan, filters=ActionFilters(text=text)
        )
        assert visible_codes(entries) == [("A1.1.1", False)], text
    entries = action_list_for_user(
        user=secretariat, plan=plan, filters=ActionFilters(text="frequences", priority="medium")
    )
    assert visible_codes(entries) == [("A1.1.2", False)]


def test_the_action_rows_are_paginated_flat_and_redacted(small_plan, observer, expert_mli):
    services.comment_add(
        plan=small_plan.plan, actor=expert_mli, item_uid=small_plan.action_np.uid, body="À revoir"
    )
    page = action_row_page_for_user(user=observer, plan=small_plan.plan, per_page=2)
    first, hidden = page.object_list
    assert page.paginator.num_pages == 2
    assert hidden == {"redacted": True, "code": "A1.1.2", "classification": "DR"}
    assert first["code"] == "A1.1.1"
    assert first["redacted"] is False
    assert first["objective"] == str(small_plan.objective11.uid)
    assert (first["lead_state"], first["partner_states"]) == ("MLI", ["BFA", "NER"])
    assert (first["budget_amount"], first["start_date"]) == ("1250000", "2025-02-01")
    assert first["open_comments"] == 1
    assert "indicators" not in first
    last = action_row_page_for_user(user=observer, plan=small_plan.plan, per_page=2, page=2)
    assert [row["code"] for row in last.object_list] == ["A2.1.1"]
    assert last.object_list[0]["redacted"] is True


def test_a_filter_that_matches_no_action_gives_an_empty_page(small_plan, observer):
    # Found by schemathesis: an empty page's rows were sliced [-1:0] (a 500 in the API).
    page = action_row_page_for_user(
        user=observer, plan=small_plan.plan, filters=ActionFilters(lead_state="XYZ")
    )
    assert page.object_list == []
    assert page.paginator.count == 0


def test_the_action_rows_take_the_same_number_of_queries_for_10_and_300_actions(
    small_plan, expert_mli, django_assert_num_queries
):
    def rows() -> None:
        list(action_row_page_for_user(user=expert_mli, plan=small_plan.plan, per_page=100))

    make_actions(small_plan.plan, small_plan.objective12, 10)
    expert_mli.access  # noqa: B018 (computed once per request, before the list)
    with django_assert_num_queries(1):  # the rows, each carrying the count (a window)
        rows()
    make_actions(small_plan.plan, small_plan.objective21, 300)
    with django_assert_num_queries(1):
        rows()


def test_the_rows_carry_the_count_of_every_matching_action(small_plan, observer):
    make_actions(small_plan.plan, small_plan.objective12, 7)  # 10 actions, two of them DR
    page = action_row_page_for_user(user=observer, plan=small_plan.plan, per_page=4, page=2)
    assert (page.number, page.paginator.count, page.paginator.num_pages) == (2, 10, 3)
    assert len(page.object_list) == 4
    last = action_row_page_for_user(user=observer, plan=small_plan.plan, per_page=4, page=3)
    assert (last.number, len(last.object_list)) == (3, 2)
    # A filter's count is the filter's, not the plan's.
    burkina = action_row_page_for_user(
        user=observer, plan=small_plan.plan, per_page=20, filters=ActionFilters(lead_state="BFA")
    )
    assert 0 < burkina.paginator.count == len(burkina.object_list) < 10
    assert all(row["lead_state"] == "BFA" for row in burkina.object_list)


@pytest.mark.parametrize(("asked", "given"), [(0, 3), (-2, 3), (4, 3), (99, 3), ("x", 1)])
def test_a_page_out_of_range_gives_what_the_paginator_gives(
    small_plan, observer, asked, given, django_assert_max_num_queries
):
    make_actions(small_plan.plan, small_plan.objective12, 7)
    observer.access  # noqa: B018
    # Past the end: the empty rows, then the count, then the last page's rows.
    with django_assert_max_num_queries(3):
        page = action_row_page_for_user(user=observer, plan=small_plan.plan, per_page=4, page=asked)
    assert (page.number, page.paginator.count) == (given, 10)
    expected = action_row_page_for_user(user=observer, plan=small_plan.plan, per_page=4, page=given)
    assert page.object_list == expected.object_list


def test_plan_list_is_scoped(small_plan, observer, outsider, markings):
    assert list(plan_list_for_user(user=observer)) == [small_plan.plan]
    assert list(plan_list_for_user(user=outsider)) == []


def test_documents_are_redacted_for_the_reader(small_plan, secretariat, observer):
    version = services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    for document in (
        plan_document_for_user(user=observer, plan=small_plan.plan),
        version_document_for_user(user=observer, version=version),
    ):
        actions = document["axes"][0]["objectives"][0]["actions"]
        assert actions[1] == {"code": "A1.1.2", "classification": "DR", "redacted": True}
        assert "Plan de fréquences" not in str(document)
        assert "Cursus" not in str(document)
    assert "Cursus" in str(version_document_for_user(user=secretariat, version=version))


def test_a_version_frozen_above_the_readers_clearance_is_not_found(
    small_plan, secretariat, observer, markings
):
    services.plan_update(
        plan=small_plan.plan,
        actor=secretariat,
        lock_version=1,
        data={"classification": markings["DR"]},
    )
    version = services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    with pytest.raises(ItemNotFound):
        version_for_user(user=observer, plan=small_plan.plan, number=version.number)
    with pytest.raises(ItemNotFound):
        version_for_user(user=secretariat, plan=small_plan.plan, number=99)


def test_the_tree_takes_the_same_number_of_queries_for_10_and_300_actions(
    small_plan, expert_mli, django_assert_num_queries
):
    plan = small_plan.plan
    make_actions(plan, small_plan.objective12, 10)
    expert_mli.access  # noqa: B018 (memberships are loaded once per request)
    with django_assert_num_queries(10) as small:
        plan_tree_for_user(user=expert_mli, plan=plan)
    make_actions(plan, small_plan.objective21, 300)
    with django_assert_num_queries(len(small.captured_queries)):
        tree = plan_tree_for_user(user=expert_mli, plan=plan)
    assert len(tree.actions) == 313
    assert sum(1 for a in tree.actions if a.is_redacted) == 32


def _shape(tree) -> list[tuple[str, list[tuple[str, list[tuple[str, bool, str]]]]]]:
    """Axes, objectives and actions (code, redacted, marking) of a tree or an outline."""
    return [
        (
            axis_node.axis.code,
            [
                (
                    node.objective.code,
                    [(e.code, e.is_redacted, e.classification.code) for e in node.actions],
                )
                for node in axis_node.objectives
            ],
        )
        for axis_node in tree.axes
    ]


@pytest.mark.parametrize(
    "filters",
    [
        ActionFilters(),
        ActionFilters(priority="medium"),
        ActionFilters(lead_state="BFA"),
        ActionFilters(partner_state="NER"),
        ActionFilters(text="frequences"),
    ],
)
def test_the_outline_scopes_filters_and_redacts_as_the_tree(
    small_plan, secretariat, expert_mli, observer, filters
):
    for user in (secretariat, expert_mli, observer):
        outline = plan_outline_for_user(user=user, plan=small_plan.plan, filters=filters)
        tree = plan_tree_for_user(user=user, plan=small_plan.plan, filters=filters)
        assert _shape(outline) == _shape(tree), (user, filters)


def test_the_outline_axis_filter_keeps_redacted_actions(small_plan, observer):
    filters = ActionFilters(axis=small_plan.axis2.uid)
    outline = plan_outline_for_user(user=observer, plan=small_plan.plan, filters=filters)
    assert _shape(outline) == [("A2", [("O2.1", [("A2.1.1", True, "C")])])]
    assert isinstance(outline.actions[0], RedactedAction)


def test_an_outline_row_carries_what_the_row_shows(small_plan, secretariat, expert_mli, aes):
    action = small_plan.action_np
    organisation = alliance_services.organisation_create(
        actor=secretariat,
        alliance=aes.alliance,
        kind="ministry",
        name="Ministère de la Défense",
        acronym="MD",
        member_state=aes.mali,
    )
    services.action_update(
        action=action,
        actor=secretariat,
        lock_version=action.lock_version,
        data={"responsible_organisation": organisation},
    )
    services.comment_add(
        plan=small_plan.plan, actor=expert_mli, item_uid=action.uid, body="À revoir"
    )
    outline = plan_outline_for_user(user=expert_mli, plan=small_plan.plan)
    row = outline.axes[0].objectives[0].actions[0]
    assert isinstance(row, OutlineAction)
    assert (row.uid, row.code, row.title) == (action.uid, "A1.1.1", action.title)
    assert row.lead_state_code == "MLI"
    assert row.partner_state_codes == ["BFA", "NER"]
    assert row.organisation == "Ministère de la Défense (MD)"
    assert (row.budget_amount, row.budget_currency) == (Decimal("1250000"), "XOF")
    assert (row.start_date, row.end_date) == (action.start_date, action.end_date)
    assert row.priority == action.priority
    assert row.classification.code == "NP"
    assert (row.indicator_count, row.milestone_count, row.open_comments) == (1, 1, 1)
    other = outline.axes[0].objectives[0].actions[1]
    assert isinstance(other, OutlineAction)
    assert (other.organisation, other.partner_state_codes) == ("", [])
    assert (other.indicator_count, other.milestone_count, other.open_comments) == (0, 0, 0)


def test_the_outline_takes_the_same_number_of_queries_for_10_and_300_actions(
    small_plan, expert_mli, django_assert_num_queries
):
    plan = small_plan.plan
    make_actions(plan, small_plan.objective12, 10)
    expert_mli.access  # noqa: B018 (memberships are loaded once per request)
    # The actions, the marking levels, the open comment counts, the axes, the objectives.
    with django_assert_num_queries(5):
        plan_outline_for_user(user=expert_mli, plan=plan)
    make_actions(plan, small_plan.objective21, 300)
    with django_assert_num_queries(5):
        outline = plan_outline_for_user(user=expert_mli, plan=plan)
    axes = outline_axes(plan=plan)
    with django_assert_num_queries(4):  # the axes given
        assert _shape(plan_outline_for_user(user=expert_mli, plan=plan, axes=axes)) == _shape(
            outline
        )
    assert len(outline.actions) == 313
    assert sum(1 for a in outline.actions if a.is_redacted) == 32
    assert all(
        (entry.indicator_count, entry.milestone_count) == (1, 1)
        for entry in outline.actions
        if isinstance(entry, OutlineAction) and entry.code.startswith("B")
    )
