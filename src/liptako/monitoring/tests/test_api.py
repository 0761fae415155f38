"""The monitoring API: /api/v1/monitoring/…"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from liptako.monitoring.models import ProgressReport, ReportingPeriod, ReportStatus
from liptako.testing import api_headers

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2025, 4, 20, 10, tzinfo=dt.UTC)
BASE = "/api/v1/monitoring"


def _save(client, headers, period, code, lines, lock_version=0, submit=False):
    return client.put(
        f"{BASE}/periods/{period.uid}/reports/{code}",
        {"lock_version": lock_version, "lines": lines, "submit": submit},
        content_type="application/json",
        headers=headers,
    )


@time_machine.travel(TODAY, tick=False)
def test_a_report_goes_through_the_api_and_the_roll_up_moves(
    client, monitored, aes, focal_point_bfa, secretariat
):
    small = monitored.small
    bfa = api_headers(focal_point_bfa)
    lines = [
        {"action": str(small.action_np.uid), "status": "on_track", "percent_complete": 30},
        {
            "action": str(small.action_dr.uid),
            "status": "at_risk",
            "percent_complete": 20,
            "difficulties": "Retard de livraison",
        },
    ]
    response = _save(client, bfa, monitored.q1, "BFA", lines, submit=True)
    assert response.status_code == 200, response.json()
    report = response.json()
    assert report["status"] == "submitted"
    sec = api_headers(secretariat)
    response = client.post(
        f"{BASE}/reports/{report['id']}/review",
        {"lock_version": report["lock_version"], "accept": True},
        content_type="application/json",
        headers=sec,
    )
    assert response.json()["status"] == "accepted"
    rollup = client.get(
        f"{BASE}/plans/{monitored.plan.uid}/rollups?dimension=lead_state", headers=sec
    ).json()
    bfa_row = next(row for row in rollup["rows"] if row["code"] == "BFA")
    assert bfa_row["percent_complete"] == "20.0"
    assert bfa_row["counts"]["at_risk"] == 1
    assert rollup["explanation"]
    detail = client.get(f"{BASE}/periods/{monitored.q1.uid}/reports/BFA", headers=sec).json()
    assert {line["code"] for line in detail["lines"]} == {
        small.action_np.code,
        small.action_dr.code,
    }
    dashboard = client.get(f"{BASE}/plans/{monitored.plan.uid}/dashboard", headers=sec).json()
    assert {cell["member_state"] for cell in dashboard["late_reports"]} == {"MLI", "NER"}


@time_machine.travel(TODAY, tick=False)
def test_the_api_refuses_another_state_and_stale_or_bad_saves(client, monitored, focal_point_ner):
    small = monitored.small
    ner = api_headers(focal_point_ner)
    line = {"action": str(small.action_np.uid), "status": "on_track", "percent_complete": 30}
    assert _save(client, ner, monitored.q1, "BFA", [line]).status_code == 403
    assert not ProgressReport.objects.exists()
    first = _save(client, ner, monitored.q1, "NER", [line])
    assert first.status_code == 200
    stale = _save(client, ner, monitored.q1, "NER", [line], lock_version=1)
    assert stale.status_code == 409
    bad = _save(
        client, ner, monitored.q1, "NER", [{**line, "percent_complete": 130}], lock_version=2
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", f"{small.action_np.uid}-percent_complete"]
    assert ProgressReport.objects.get().status == ReportStatus.DRAFT


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("persona", "expected"),
    [("focal_point_ner", 403), ("expert_mli", 403), ("outsider", 404), ("secretariat", 200)],
)
def test_who_may_close_a_period_through_the_api(client, request, monitored, persona, expected):
    headers = api_headers(request.getfixturevalue(persona))
    response = client.post(f"{BASE}/periods/{monitored.q1.uid}/close", headers=headers)
    assert response.status_code == expected
    status = ReportingPeriod.objects.get(pk=monitored.q1.pk).status
    assert (status == "closed") is (persona == "secretariat")


def test_anonymous_callers_get_401(client, monitored):
    assert client.get(f"{BASE}/plans/{monitored.plan.uid}/periods").status_code == 401


@time_machine.travel(TODAY, tick=False)
def test_targets_and_indicator_values(client, monitored, secretariat, focal_point_ner):
    small = monitored.small
    sec = api_headers(secretariat)
    response = client.put(
        f"{BASE}/periods/{monitored.q1.uid}/targets/{small.indicator.uid}",
        {"value": "40"},
        content_type="application/json",
        headers=sec,
    )
    assert response.status_code == 200, response.json()
    refused = client.put(
        f"{BASE}/periods/{monitored.q1.uid}/targets/{small.indicator.uid}",
        {"value": "40"},
        content_type="application/json",
        headers=api_headers(focal_point_ner),
    )
    assert refused.status_code == 403
    indicators = client.get(
        f"{BASE}/plans/{monitored.plan.uid}/indicators?period={monitored.q1.uid}", headers=sec
    ).json()
    entry = next(i for i in indicators["indicators"] if i["indicator"] == small.indicator.code)
    assert entry["target"] == "40.0000"
    assert entry["status"] == "no_data"
