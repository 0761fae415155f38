"""Diffs between versions and the live draft: added, removed, moved, changed, by uid."""

from __future__ import annotations

import copy
from datetime import date

from liptako.plans import services
from liptako.plans.diff import diff_documents
from liptako.plans.selectors import plan_diff_for_user, plan_snapshot


def test_identical_documents_give_no_change(small_plan):
    document = plan_snapshot(plan=small_plan.plan)
    diff = diff_documents(document, copy.deepcopy(document))
    assert diff.is_empty
    assert diff.as_dict()["is_empty"] is True


def test_it_reports_added_removed_moved_and_changed_items(small_plan, secretariat, aes):
    old = services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    services.action_update(
        action=small_plan.action_np,
        actor=secretariat,
        lock_version=1,
        data={"title": "Procédures communes de transmission", "budget_amount": 2_000_000},
    )
    added = services.action_create(
        objective=small_plan.objective12,
        actor=secretariat,
        data={
            "title": "Glossaire commun",
            "lead_state": aes.niger,
            "start_date": date(2025, 1, 1),
            "end_date": date(2025, 2, 1),
        },
    )
    services.milestone_delete(milestone=small_plan.milestone, actor=secretariat)
    services.action_move(
        action=small_plan.action_dr,
        actor=secretariat,
        objective=small_plan.objective12,
        position=1,
    )
    new = services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)

    diff = plan_diff_for_user(user=secretariat, plan=small_plan.plan, old=old, new=new)

    assert [(e.kind, e.uid) for e in diff.added] == [("action", str(added.uid))]
    assert [(e.kind, e.label) for e in diff.removed] == [("milestone", "Guide validé")]
    assert [(e.kind, e.code) for e in diff.moved] == [("action", "A1.2.1")]
    moved = diff.moved[0]
    assert moved.parent_before == str(small_plan.objective11.uid)
    assert moved.parent_after == str(small_plan.objective12.uid)
    changed = {e.uid: {c.field: (c.before, c.after) for c in e.changes} for e in diff.changed}
    assert changed[str(small_plan.action_np.uid)] == {
        "title": (
            "Harmoniser les procédures de transmission",
            "Procédures communes de transmission",
        ),
        "budget_amount": ("1250000", "2000000"),
    }
    # The moved action got a new code, and the added one was renumbered after it.
    assert changed[str(small_plan.action_dr.uid)] == {"code": ("A1.1.2", "A1.2.1")}
    assert not diff.is_empty


def test_reordering_marks_only_the_item_that_moved(small_plan, secretariat, aes):
    for n in range(3):
        services.action_create(
            objective=small_plan.objective12,
            actor=secretariat,
            data={
                "title": f"Action {n}",
                "lead_state": aes.mali,
                "start_date": date(2025, 1, 1),
                "end_date": date(2025, 2, 1),
            },
        )
    before = plan_snapshot(plan=small_plan.plan)
    last = small_plan.objective12.actions.order_by("position").last()
    services.action_move(action=last, actor=secretariat, position=1)
    diff = diff_documents(before, plan_snapshot(plan=small_plan.plan))
    assert [e.uid for e in diff.moved] == [str(last.uid)]


def test_the_live_draft_compares_with_a_version(small_plan, secretariat):
    version = services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    assert plan_diff_for_user(
        user=secretariat, plan=small_plan.plan, old=version, new=None
    ).is_empty
    services.axis_update(
        axis=small_plan.axis2,
        actor=secretariat,
        lock_version=1,
        data={"title": "Formation commune"},
    )
    diff = plan_diff_for_user(user=secretariat, plan=small_plan.plan, old=version, new=None)
    assert [(e.code, e.changes[0].after) for e in diff.changed] == [("A2", "Formation commune")]


def test_hidden_actions_are_redacted_in_the_diff(small_plan, secretariat, observer):
    old = services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    services.action_update(
        action=small_plan.action_dr,
        actor=secretariat,
        lock_version=1,
        data={"title": "Titre DR modifié"},
    )
    services.indicator_create(
        action=small_plan.action_c, actor=secretariat, data={"name": "Secret", "target_value": 1}
    )
    new = services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    diff = plan_diff_for_user(user=observer, plan=small_plan.plan, old=old, new=new)
    text = str(diff.as_dict())
    assert "Titre DR modifié" not in text
    assert "Plan de fréquences" not in text
    assert "Secret" not in text
    assert [(e.code, e.classification, e.changes_kinds) for e in diff.redacted] == [
        ("A1.1.2", "DR", ("changed",)),
        ("A2.1.1", "C", ("added",)),
    ]
    assert not diff.changed
    assert not diff.added
