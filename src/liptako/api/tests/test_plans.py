"""The plans API: reads (tree, versions, diff) and draft edits through the shared services."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from liptako.api.plans import ActionPageOut
from liptako.audit.models import AuditEvent
from liptako.plans import services
from liptako.plans.models import Action, Axis, Plan, PlanVersion
from liptako.plans.tests.conftest import SmallPlan, build_small_plan, make_actions

BASE = "/api/v1/plans"


@pytest.fixture
def small_plan(aes, secretariat, markings) -> SmallPlan:
    return build_small_plan(aes, secretariat, markings)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_callers_get_401(small_plan: SmallPlan) -> None:
    client = Client()
    assert client.get(f"{BASE}/").status_code == 401
    assert client.get(f"{BASE}/{small_plan.plan.uid}").status_code == 401
    response = client.post(
        f"{BASE}/{small_plan.plan.uid}/axes", {"title": "X"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert Axis.objects.count() == 2


def test_the_plan_list_is_scoped(small_plan: SmallPlan, observer, outsider) -> None:
    response = client_for(observer).get(f"{BASE}/")
    assert response.status_code == 200
    assert [p["title"] for p in response.json()["items"]] == [small_plan.plan.title]
    assert client_for(outsider).get(f"{BASE}/").json()["items"] == []


def test_the_tree_redacts_actions_above_the_callers_clearance(
    small_plan: SmallPlan, observer, expert_mli
) -> None:
    response = client_for(observer).get(f"{BASE}/{small_plan.plan.uid}")
    assert response.status_code == 200
    body = response.json()
    assert body["can_edit"] is False
    actions = body["axes"][0]["objectives"][0]["actions"]
    assert actions[0]["title"] == "Harmoniser les procédures de transmission"
    assert actions[0]["budget_amount"] == "1250000"
    assert actions[0]["indicators"][0]["code"] == "I1.1.1.1"
    assert actions[1] == {"redacted": True, "code": "A1.1.2", "classification": "DR"}
    assert "Plan de fréquences" not in response.content.decode()
    assert "Cursus" not in response.content.decode()
    assert client_for(expert_mli).get(f"{BASE}/{small_plan.plan.uid}").json()["can_edit"]


def test_an_invisible_plan_is_404(small_plan: SmallPlan, outsider, observer, markings) -> None:
    assert client_for(outsider).get(f"{BASE}/{small_plan.plan.uid}").status_code == 404
    assert client_for(observer).get(f"{BASE}/not-a-uuid").status_code in (404, 422)
    Plan.objects.filter(pk=small_plan.plan.pk).update(classification=markings["DR"])
    assert client_for(observer).get(f"{BASE}/{small_plan.plan.uid}").status_code == 404


def test_the_tree_takes_the_same_number_of_queries_for_10_and_1000_actions(
    small_plan: SmallPlan, expert_mli, django_assert_num_queries
) -> None:
    client = client_for(expert_mli)
    url = f"{BASE}/{small_plan.plan.uid}"
    make_actions(small_plan.plan, small_plan.objective12, 10)
    client.get(url)  # warm the session and the marking scale caches alike
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    make_actions(small_plan.plan, small_plan.objective21, 1000)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    actions = [a for o in response.json()["axes"][1]["objectives"] for a in o["actions"]]
    assert len(actions) == 1001
    assert sum(1 for a in actions if a.get("redacted")) == 101


def test_action_list_filters_and_paginates(small_plan: SmallPlan, secretariat) -> None:
    client = client_for(secretariat)
    url = f"{BASE}/{small_plan.plan.uid}/actions"
    body = client.get(url, {"q": "securite"}).json()
    assert (body["count"], [a["code"] for a in body["items"]]) == (1, ["A1.1.1"])
    body = client.get(url, {"lead_state": "ner"}).json()
    assert [a["code"] for a in body["items"]] == ["A2.1.1"]
    body = client.get(url, {"axis": str(small_plan.axis1.uid)}).json()
    assert [a["code"] for a in body["items"]] == ["A1.1.1", "A1.1.2"]


def test_the_action_list_redacts_and_answers_its_declared_json(
    small_plan: SmallPlan, observer, outsider
) -> None:
    url = f"{BASE}/{small_plan.plan.uid}/actions"
    response = client_for(observer).get(url, {"page": 1})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (3, 1, 1)
    first, hidden, third = body["items"]
    assert first["title"] == "Harmoniser les procédures de transmission"
    assert (first["budget_amount"], first["partner_states"]) == ("1250000", ["BFA", "NER"])
    assert hidden == {"redacted": True, "code": "A1.1.2", "classification": "DR"}
    assert third["redacted"] is True
    assert "Plan de fréquences" not in response.content.decode()
    # The body is what the declared schema gives back for it (nothing more, nothing less).
    assert ActionPageOut.model_validate(body).model_dump(mode="json") == body
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(observer).get(f"{BASE}/{uuid.uuid4()}/actions").status_code == 404


def test_the_action_list_takes_the_same_number_of_queries_for_10_and_300_actions(
    small_plan: SmallPlan, expert_mli, django_assert_num_queries
) -> None:
    client = client_for(expert_mli)
    url = f"{BASE}/{small_plan.plan.uid}/actions"
    make_actions(small_plan.plan, small_plan.objective12, 10)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    make_actions(small_plan.plan, small_plan.objective21, 300)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url, {"page": 2})
    assert response.json()["count"] == 313


def test_experts_create_update_and_delete_draft_items(small_plan: SmallPlan, expert_mli) -> None:
    client = client_for(expert_mli)
    plan_url = f"{BASE}/{small_plan.plan.uid}"
    response = client.post(
        f"{plan_url}/actions",
        {
            "objective": str(small_plan.objective12.uid),
            "title": "Exercice d'état-major conjoint",
            "lead_state": "BFA",
            "partner_states": ["MLI", "NER"],
            "start_date": "2025-09-01",
            "end_date": "2025-10-15",
            "budget_amount": "45000000",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["code"], created["lock_version"]) == ("A1.2.1", 1)
    assert created["partner_states"] == ["MLI", "NER"]

    response = client.patch(
        f"{plan_url}/actions/{created['uid']}",
        {"lock_version": 1, "title": "Exercice d'état-major conjoint 2025", "priority": "high"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["priority"] == "high"
    assert response.json()["lock_version"] == 2

    response = client.post(
        f"{plan_url}/indicators",
        {"action": created["uid"], "name": "Exercice tenu", "measure": "yes_no", "target_value": 1},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    response = client.post(
        f"{plan_url}/items/{created['uid']}/move",
        {"position": 1, "parent": str(small_plan.objective11.uid)},
        content_type="application/json",
    )
    assert response.json()["code"] == "A1.1.1"
    response = client.delete(f"{plan_url}/actions/{created['uid']}?lock_version=2")
    assert response.status_code == 204
    assert not Action.objects.filter(uid=created["uid"]).exists()
    assert AuditEvent.objects.filter(verb="action.delete").count() == 1


def test_a_stale_edit_gets_409_with_both_values(small_plan: SmallPlan, expert_mli) -> None:
    client = client_for(expert_mli)
    url = f"{BASE}/{small_plan.plan.uid}/actions/{small_plan.action_np.uid}"
    first = client.patch(
        url, {"lock_version": 1, "title": "Premier"}, content_type="application/json"
    )
    assert first.status_code == 200
    second = client.patch(
        url, {"lock_version": 1, "title": "Second"}, content_type="application/json"
    )
    assert second.status_code == 409
    body = second.json()
    assert body["current_version"] == 2
    assert body["conflicts"] == [{"field": "title", "theirs": "Premier", "mine": "Second"}]
    assert Action.objects.get(pk=small_plan.action_np.pk).title == "Premier"


def test_invalid_input_gets_422_with_field_messages(small_plan: SmallPlan, expert_mli) -> None:
    client = client_for(expert_mli)
    url = f"{BASE}/{small_plan.plan.uid}/actions/{small_plan.action_np.uid}"
    response = client.patch(
        url,
        {"lock_version": 1, "end_date": "2025-01-15", "partner_states": ["MLI", "XXX"]},
        content_type="application/json",
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 422
    errors = {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}
    assert errors[("body", "partner_states")].startswith("État membre inconnu")
    assert errors[("body", "partner_states")].endswith("XXX")
    response = client.patch(
        url, {"lock_version": 1, "end_date": "2025-01-15"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "end_date"]
    action = Action.objects.get(pk=small_plan.action_np.pk)
    assert (action.end_date, action.lock_version) == (date(2025, 6, 30), 1)


@pytest.mark.parametrize("persona", ["observer", "validator_bfa", "focal_point_ner"])
def test_readers_get_403_and_nothing_changes(small_plan: SmallPlan, persona, request) -> None:
    client = client_for(request.getfixturevalue(persona))
    plan_url = f"{BASE}/{small_plan.plan.uid}"
    assert (
        client.post(f"{plan_url}/axes", {"title": "X"}, content_type="application/json").status_code
        == 403
    )
    assert (
        client.patch(
            f"{plan_url}/axes/{small_plan.axis1.uid}",
            {"lock_version": 1, "title": "X"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert client.delete(f"{plan_url}/axes/{small_plan.axis1.uid}").status_code == 403
    assert (
        client.post(f"{plan_url}/versions", {}, content_type="application/json").status_code == 403
    )
    assert list(Axis.objects.order_by("position").values_list("title", flat=True)) == [
        "Interopérabilité",
        "Formation",
    ]
    assert not PlanVersion.objects.exists()


def test_hidden_actions_are_404_for_writes_too(small_plan: SmallPlan, expert_mli) -> None:
    client = client_for(expert_mli)
    url = f"{BASE}/{small_plan.plan.uid}/actions/{small_plan.action_c.uid}"
    assert client.get(url).status_code == 404
    response = client.patch(url, {"lock_version": 1, "title": "X"}, content_type="application/json")
    assert response.status_code == 404
    assert client.delete(url).status_code == 404
    assert Action.objects.get(pk=small_plan.action_c.pk).title == "Cursus confidentiel"


def test_versions_content_and_diff(small_plan: SmallPlan, secretariat, observer) -> None:
    client = client_for(secretariat)
    plan_url = f"{BASE}/{small_plan.plan.uid}"
    response = client.post(
        f"{plan_url}/versions", {"note": "Atelier"}, content_type="application/json"
    )
    assert response.status_code == 201
    digest = response.json()["digest"]
    services.action_update(
        action=small_plan.action_dr, actor=secretariat, lock_version=1, data={"title": "Nouveau"}
    )
    services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)

    versions = client.get(f"{plan_url}/versions").json()["items"]
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[1]["digest"] == digest
    assert versions[1]["note"] == "Atelier"

    reader = client_for(observer)
    content = reader.get(f"{plan_url}/versions/1").json()["content"]
    assert content["axes"][0]["objectives"][0]["actions"][1]["redacted"] is True
    assert reader.get(f"{plan_url}/versions/9").status_code == 404

    diff = client.get(f"{plan_url}/diff", {"from": 1, "to": 2}).json()
    assert diff["changed"][0]["changes"] == [
        {"field": "title", "before": "Plan de fréquences partagé", "after": "Nouveau"}
    ]
    assert client.get(f"{plan_url}/diff", {"from": 2, "to": "draft"}).json()["is_empty"] is True
    hidden = reader.get(f"{plan_url}/diff", {"from": 1, "to": 2}).json()
    assert hidden["changed"] == []
    assert hidden["redacted"] == [
        {
            "redacted": True,
            "kind": "action",
            "code": "A1.1.2",
            "classification": "DR",
            "change_kinds": ["changed"],
        }
    ]
    assert "Nouveau" not in str(hidden)


def test_comments_and_history_through_the_api(small_plan: SmallPlan, expert_mli) -> None:
    client = client_for(expert_mli)
    plan_url = f"{BASE}/{small_plan.plan.uid}"
    item = small_plan.axis1.uid
    response = client.post(
        f"{plan_url}/items/{item}/comments", {"body": "À préciser"}, content_type="application/json"
    )
    assert response.status_code == 201
    comment_uid = response.json()["uid"]
    response = client.post(f"{plan_url}/comments/{comment_uid}/resolve")
    assert response.json()["resolved"] is True
    threads = client.get(f"{plan_url}/items/{item}/comments").json()
    assert [t["body"] for t in threads] == ["À préciser"]
    history = client.get(f"{plan_url}/items/{small_plan.action_np.uid}/history").json()["items"]
    assert [e["verb"] for e in history] == ["action.create"]


def test_the_workbook_exports_through_the_api_redacted_for_the_caller(
    small_plan: SmallPlan, observer, outsider, secretariat
) -> None:
    import io

    from openpyxl import load_workbook

    url = f"{BASE}/{small_plan.plan.uid}/export.xlsx"
    assert Client().get(url).status_code == 401
    assert client_for(outsider).get(url).status_code == 404
    response = client_for(observer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    cells = {str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row}
    assert "Harmoniser les procédures de transmission" in cells
    assert not any("Plan de fréquences" in value for value in cells)
    services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    assert client_for(observer).get(f"{url}?version=1").status_code == 200
    assert client_for(observer).get(f"{url}?version=9").status_code == 404
