"""Comments on any item: threads, replies, resolution, scoped like their item."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from liptako.audit.models import AuditEvent
from liptako.plans import services
from liptako.plans.exceptions import ItemNotFound
from liptako.plans.models import Comment
from liptako.plans.selectors import comment_threads_for_user, plan_tree_for_user


def test_experts_comment_reply_and_resolve(small_plan, expert_mli, validator_bfa, secretariat):
    plan = small_plan.plan
    thread = services.comment_add(
        plan=plan,
        actor=expert_mli,
        item_uid=small_plan.indicator.uid,
        body="  Cible trop haute ?  ",
    )
    assert (thread.body, thread.item_kind) == ("Cible trop haute ?", "indicator")
    reply = services.comment_add(
        plan=plan,
        actor=validator_bfa,
        item_uid=small_plan.indicator.uid,
        body="D'accord",
        parent=thread,
    )
    nested = services.comment_add(
        plan=plan,
        actor=secretariat,
        item_uid=small_plan.indicator.uid,
        body="Corrigé",
        parent=reply,
    )
    assert nested.parent_id == thread.pk  # replies hang under the thread
    threads = comment_threads_for_user(
        user=expert_mli, plan=plan, item_uid=small_plan.indicator.uid
    )
    assert [t.body for t in threads] == ["Cible trop haute ?"]
    assert [r.body for r in threads[0].replies.all()] == ["D'accord", "Corrigé"]

    resolved = services.comment_resolve(comment=reply, actor=secretariat)
    assert resolved.pk == thread.pk
    assert resolved.is_resolved
    assert resolved.resolved_by == secretariat
    services.comment_resolve(comment=thread, actor=secretariat)  # idempotent
    assert AuditEvent.objects.filter(verb="comment.resolve").count() == 1
    reopened = services.comment_reopen(comment=thread, actor=expert_mli)
    assert not reopened.is_resolved


def test_open_counts_appear_on_axes_objectives_and_the_plan(small_plan, expert_mli):
    plan = small_plan.plan
    services.comment_add(plan=plan, actor=expert_mli, item_uid=plan.uid, body="Titre ?")
    services.comment_add(plan=plan, actor=expert_mli, item_uid=small_plan.axis1.uid, body="A")
    done = services.comment_add(
        plan=plan, actor=expert_mli, item_uid=small_plan.axis1.uid, body="B"
    )
    services.comment_resolve(comment=done, actor=expert_mli)
    tree = plan_tree_for_user(user=expert_mli, plan=plan)
    assert tree.open_comments == 1
    assert tree.axes[0].open_comments == 1


@pytest.mark.parametrize("persona", ["observer", "focal_point_ner", "outsider", "admin_user"])
def test_readers_cannot_comment(small_plan, persona, request):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.comment_add(
            plan=small_plan.plan, actor=actor, item_uid=small_plan.axis1.uid, body="Hop"
        )
    assert not Comment.objects.exists()


def test_comments_on_hidden_items_are_not_found(small_plan, expert_mli, secretariat):
    with pytest.raises(ItemNotFound):
        services.comment_add(
            plan=small_plan.plan, actor=expert_mli, item_uid=small_plan.action_c.uid, body="?"
        )
    secret = services.comment_add(
        plan=small_plan.plan, actor=secretariat, item_uid=small_plan.action_c.uid, body="C"
    )
    with pytest.raises(ItemNotFound):
        comment_threads_for_user(user=expert_mli, plan=small_plan.plan, item_uid=secret.item_uid)
    with pytest.raises(ItemNotFound):
        services.comment_resolve(comment=secret, actor=expert_mli)
    assert not Comment.objects.get(pk=secret.pk).is_resolved


def test_an_empty_comment_is_refused(small_plan, expert_mli):
    with pytest.raises(ValidationError):
        services.comment_add(
            plan=small_plan.plan, actor=expert_mli, item_uid=small_plan.axis1.uid, body="   "
        )
    assert not Comment.objects.exists()
