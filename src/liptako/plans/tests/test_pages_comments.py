"""Comments on items and on the plan (threads, replies, resolve/reopen) and item history."""

from __future__ import annotations

import html

import pytest
import time_machine

from liptako.plans import services
from liptako.plans.models import Comment

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def comments_url(small_plan, item) -> str:
    return f"/plans/{small_plan.plan.uid}/elements/{item.uid}/commentaires/"


def test_an_expert_comments_and_replies_on_an_action_page(client, small_plan, expert_mli):
    client.force_login(expert_mli)
    action = small_plan.action_np
    response = client.post(comments_url(small_plan, action), {"body": "Préciser le calendrier."})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/elements/{action.uid}/#comments")
    thread = Comment.objects.get()
    client.post(comments_url(small_plan, action), {"body": "D'accord.", "parent": thread.uid})
    page = text(client.get(f"/plans/{small_plan.plan.uid}/elements/{action.uid}/"))
    assert "Préciser le calendrier." in page
    assert "D'accord." in page
    assert thread.replies.count() == 1


def test_comments_answer_htmx_with_the_panel(client, small_plan, validator_bfa):
    client.force_login(validator_bfa)
    response = client.post(
        comments_url(small_plan, small_plan.axis1), {"body": "Axe clair."}, HTTP_HX_REQUEST="true"
    )
    assert text(response).startswith('<section id="comments"')
    assert "Axe clair." in text(response)


def test_an_empty_comment_is_refused_next_to_the_field(client, small_plan, expert_mli):
    client.force_login(expert_mli)
    response = client.post(comments_url(small_plan, small_plan.axis1), {"body": "  "})
    assert response.status_code == 200
    assert 'id="id_body_error"' in text(response)
    assert not Comment.objects.exists()


def test_comments_on_the_plan_itself(client, small_plan, secretariat):
    client.force_login(secretariat)
    plan = small_plan.plan
    client.post(comments_url(small_plan, plan), {"body": "Relire avant l'atelier."})
    page = text(client.get(comments_url(small_plan, plan)))
    assert "Relire avant l'atelier." in page
    outline = text(client.get(f"/plans/{plan.uid}/"))
    assert "1 commentaire ouvert" in outline


def test_resolve_then_reopen_a_thread(client, small_plan, expert_mli):
    thread = services.comment_add(
        plan=small_plan.plan, actor=expert_mli, item_uid=small_plan.action_np.uid, body="À voir"
    )
    client.force_login(expert_mli)
    url = f"/plans/{small_plan.plan.uid}/commentaires/{thread.uid}/statut/"
    client.post(url)
    thread.refresh_from_db()
    assert thread.is_resolved
    outline = text(client.get(f"/plans/{small_plan.plan.uid}/"))
    assert "commentaire ouvert" not in outline
    client.post(url, {"reopen": "1"})
    thread.refresh_from_db()
    assert not thread.is_resolved


@pytest.mark.parametrize(("persona", "status"), [("observer", 403), ("focal_point_ner", 403)])
def test_readers_without_the_comment_right_cannot_comment(
    client, small_plan, persona, status, request
):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(comments_url(small_plan, small_plan.axis1), {"body": "Non"})
    assert response.status_code == status
    assert not Comment.objects.exists()


def test_comments_of_a_hidden_action_do_not_exist_for_the_reader(client, small_plan, observer):
    client.force_login(observer)
    assert client.get(comments_url(small_plan, small_plan.action_dr)).status_code == 404


def test_history_lists_who_changed_what_and_when_in_the_readers_time_zone(
    client, small_plan, expert_mli, aes
):
    action = small_plan.action_np
    with time_machine.travel("2025-03-04 10:30:00+00:00", tick=False):
        services.action_update(
            action=action,
            actor=expert_mli,
            lock_version=action.lock_version,
            data={"title": "Guide commun", "budget_amount": 2000000},
        )
    expert_mli.timezone = "Africa/Niamey"
    expert_mli.save(update_fields=["timezone"])
    client.force_login(expert_mli)
    page = text(client.get(f"/plans/{small_plan.plan.uid}/elements/{action.uid}/historique/"))
    assert "Harmoniser les procédures de transmission" in page  # before
    assert "Guide commun" in page  # after
    assert "4 mars 2025, 11:30" in page  # 10:30 UTC is 11:30 in Niamey
    assert "expert.mli" in page or str(expert_mli) in page


def test_history_of_a_hidden_action_is_not_found(client, small_plan, observer):
    client.force_login(observer)
    url = f"/plans/{small_plan.plan.uid}/elements/{small_plan.action_dr.uid}/historique/"
    assert client.get(url).status_code == 404
