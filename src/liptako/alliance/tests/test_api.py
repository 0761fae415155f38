"""The directory's API operations: member states, organisations, people."""

from __future__ import annotations

import pytest

from liptako.alliance.tests.conftest import add_people


@pytest.mark.parametrize(
    "url",
    ["/api/v1/member-states", "/api/v1/organisations", "/api/v1/people", "/api/v1/people/1"],
)
def test_anonymous_callers_get_401(client, directory, url):
    response = client.get(url)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_an_account_without_role_gets_403_or_404(client, directory, outsider):
    client.force_login(outsider)
    assert client.get("/api/v1/member-states").status_code == 403
    assert client.get("/api/v1/people").status_code == 403
    response = client.get(f"/api/v1/people/{directory.diarra.pk}")
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    "persona",
    ["secretariat", "expert_mli", "validator_bfa", "focal_point_ner", "observer", "admin_user"],
)
def test_every_role_lists_the_member_states(client, directory, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/api/v1/member-states")
    assert response.status_code == 200
    assert [state["code"] for state in response.json()] == ["BFA", "MLI", "NER"]


def test_organisations_filter_by_member_state_and_kind(client, directory, expert_mli):
    client.force_login(expert_mli)
    mali = client.get("/api/v1/organisations", {"member_state": "mli"}).json()
    assert {item["acronym"] for item in mali["items"]} == {"EMGA", "DSSA"}
    assert mali["count"] == 2
    staffs = client.get("/api/v1/organisations", {"kind": "general_staff"}).json()
    assert {item["member_state"] for item in staffs["items"]} == {"MLI", "BFA"}
    bodies = client.get("/api/v1/organisations", {"member_state": "AES"}).json()
    assert [item["name"] for item in bodies["items"]] == ["Comité des Chefs d'État-major"]
    assert client.get("/api/v1/organisations", {"kind": "nonsense"}).status_code == 422
    unknown = client.get("/api/v1/organisations", {"member_state": "XYZ"})
    assert unknown.status_code == 404
    assert "XYZ" in unknown.json()["detail"]


def test_people_search_is_accent_insensitive_and_paginated(client, directory, expert_mli, settings):
    client.force_login(expert_mli)
    found = client.get("/api/v1/people", {"q": "goita"}).json()
    assert found["count"] == 1
    assert found["items"][0]["display_name"] == "Général d'armée Assimi GOÏTA"
    add_people(directory.aes, directory.dssa_mli, settings.PAGE_SIZE)
    first = client.get("/api/v1/people", {"member_state": "MLI"}).json()
    assert first["count"] == settings.PAGE_SIZE + 2
    assert len(first["items"]) == settings.PAGE_SIZE
    second = client.get("/api/v1/people", {"member_state": "MLI", "page": 2}).json()
    assert len(second["items"]) == 2
    assert first["items"][0]["current_positions"] or second["items"][0]["current_positions"]


def test_a_person_with_the_positions_held_over_time(client, directory, observer):
    client.force_login(observer)
    response = client.get(f"/api/v1/people/{directory.diarra.pk}")
    assert response.status_code == 200
    person = response.json()
    assert person["rank_label"] == "Général de division"
    assert person["member_state"] == "MLI"
    titles = [position["title"] for position in person["positions"]]
    assert set(titles) == {"Chef d'État-major Général des Armées", "Membre"}
    assert all(position["is_current"] for position in person["positions"])


def test_an_unknown_person_is_a_json_404(client, directory, secretariat):
    client.force_login(secretariat)
    response = client.get("/api/v1/people/999999")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_the_api_is_described_in_openapi(client, directory):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ["/api/v1/member-states", "/api/v1/organisations", "/api/v1/people"]:
        assert path in paths
    assert "/api/v1/people/{person_id}" in paths
