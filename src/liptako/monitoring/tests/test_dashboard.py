"""The dashboards: roadmap coloured by status, open follow-ups of meetings, query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from liptako.meetings import services as meeting_services
from liptako.meetings.models import MeetingKind
from liptako.monitoring import services
from liptako.monitoring.charts import STATUS_COLOURS
from liptako.plans.models import Action
from liptako.plans.tests.conftest import make_actions
from liptako.testing import api_headers

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2025, 10, 20, 10, tzinfo=dt.UTC)

# Queries of a dashboard page and of the roll-up API, whatever the number of periods,
# reports, lines and actions (session and user, plan, periods, the four roll-ups in two
# grouped queries, report matrix, the most overdue late actions, a page of the roadmap,
# follow-ups, indicators, member states; the session is saved once a minute, not per request).
DASHBOARD_QUERIES = 28
STATE_DASHBOARD_QUERIES = 28
ROLLUP_API_QUERIES = 8


def _accept(monitored, aes, secretariat, periods, statuses=None):
    """Every state's report on ``periods``, accepted; ``statuses``: action → status."""
    statuses = statuses or {}
    for period in periods:
        for state in aes.states:
            report = services.report_open(period=period, member_state=state, actor=secretariat)
            actions = Action.objects.filter(
                pk__in=services.actions_of_state(monitored.plan, state.pk).values("pk")
            )
            report = services.report_save(
                report=report,
                actor=secretariat,
                lock_version=report.lock_version,
                lines=[
                    services.LineInput(
                        action=action,
                        status=statuses.get(action.pk, "on_track"),
                        percent_complete=20,
                    )
                    for action in actions
                ],
            )
            report = services.report_submit(
                report=report, actor=secretariat, lock_version=report.lock_version
            )
            services.report_review(
                report=report, actor=secretariat, lock_version=report.lock_version, accept=True
            )


def _bar_colours(page: str) -> dict[str, str]:
    """Action code → fill colour of its bar in the dashboard's roadmap."""
    return dict(
        (code, colour)
        for colour, code in re.findall(r'fill="(#[0-9a-fA-F]{6})"><title>(\S+) ', page)
    )


@time_machine.travel(TODAY, tick=False)
def test_the_roadmap_is_coloured_by_status_and_follows_acceptance(
    client, monitored, aes, secretariat
):
    small = monitored.small
    client.force_login(secretariat)
    url = f"/suivi/plans/{monitored.plan.uid}/?periode={monitored.q1.uid}"
    before = _bar_colours(client.get(url).content.decode())
    assert before[small.action_np.code] == STATUS_COLOURS["not_reported"]
    _accept(monitored, aes, secretariat, [monitored.q1], {small.action_dr.pk: "late"})
    page = client.get(url).content.decode()
    after = _bar_colours(page)
    assert after[small.action_np.code] == STATUS_COLOURS["on_track"]
    assert after[small.action_dr.code] == STATUS_COLOURS["late"]
    assert "Feuille de route 2025, colorée par statut" in page
    assert "Statut :" in page  # the legend names the colours in words
    assert "En bonne voie" in page


@time_machine.travel(TODAY, tick=False)
def test_the_roadmap_shows_only_visible_actions_of_the_state(client, monitored, expert_mli):
    small = monitored.small
    client.force_login(expert_mli)
    page = client.get(f"/suivi/plans/{monitored.plan.uid}/").content.decode()
    bars = _bar_colours(page)
    assert small.action_c.code not in bars  # confidential: withheld
    assert small.action_c.title not in page
    assert {small.action_np.code, small.action_dr.code} <= set(bars)
    state_page = client.get(f"/suivi/plans/{monitored.plan.uid}/etats/NER/").content.decode()
    # Niger partners the NP action; it leads the C action the expert may not see.
    assert set(_bar_colours(state_page)) == {small.action_np.code}


def _committee(monitored, aes, secretariat):
    meeting = meeting_services.meeting_create(
        actor=secretariat,
        alliance=aes.alliance,
        title="Comité des chefs d'état-major",
        kind=MeetingKind.CHIEFS_COMMITTEE,
        starts_at=dt.datetime(2025, 8, 12, 9, tzinfo=dt.UTC),
        ends_at=dt.datetime(2025, 8, 12, 17, tzinfo=dt.UTC),
        city="Niamey",
        plan=monitored.plan,
    )
    take = meeting_services.meeting_decision_take
    take(
        actor=secretariat,
        meeting=meeting,
        kind="decided",
        text="Livrer les postes radio",
        follow_up="Rapport d'étape du Burkina Faso",
        follow_up_state=aes.burkina,
        due_date=dt.date(2025, 9, 30),
    )
    take(
        actor=secretariat,
        meeting=meeting,
        kind="decided",
        text="Former les opérateurs",
        follow_up="Calendrier de formation du Niger",
        follow_up_state=aes.niger,
        due_date=dt.date(2025, 12, 15),
    )
    done = take(
        actor=secretariat,
        meeting=meeting,
        kind="decided",
        text="Adopter le guide",
        follow_up="Diffusion du guide",
        follow_up_state=aes.burkina,
    )
    meeting_services.follow_up_set_status(actor=secretariat, decision=done, status="done")
    take(
        actor=secretariat,
        meeting=meeting,
        kind="decided",
        text="Stocks confidentiels",
        follow_up="Inventaire confidentiel",
        follow_up_state=aes.burkina,
        classification=monitored.small.action_c.classification,
    )
    return meeting


@time_machine.travel(TODAY, tick=False)
def test_the_dashboards_list_the_open_follow_ups_of_meetings(
    client, monitored, aes, secretariat, expert_mli
):
    _committee(monitored, aes, secretariat)
    client.force_login(secretariat)
    plan_page = client.get(f"/suivi/plans/{monitored.plan.uid}/").content.decode()
    assert "Suites à donner des réunions en cours" in plan_page
    assert "Rapport d&#x27;étape du Burkina Faso" in plan_page
    assert "Calendrier de formation du Niger" in plan_page
    assert "Diffusion du guide" not in plan_page  # done
    assert "Inventaire confidentiel" in plan_page
    # Overdue first (due 30 September, before today).
    assert plan_page.index("Rapport d&#x27;étape") < plan_page.index("Calendrier de formation")
    burkina = client.get(f"/suivi/plans/{monitored.plan.uid}/etats/BFA/").content.decode()
    assert "Rapport d&#x27;étape du Burkina Faso" in burkina
    assert "Calendrier de formation du Niger" not in burkina  # Niger owns it
    client.force_login(expert_mli)
    plan_page = client.get(f"/suivi/plans/{monitored.plan.uid}/").content.decode()
    assert "Inventaire confidentiel" not in plan_page
    assert "Rapport d&#x27;étape du Burkina Faso" in plan_page


def _queries(client, url, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


@time_machine.travel(TODAY, tick=False)
def test_dashboard_and_roll_up_query_counts_do_not_depend_on_reports_lines_or_actions(
    client, monitored, aes, secretariat, django_assert_num_queries
):
    plan = monitored.plan
    _committee(monitored, aes, secretariat)
    client.force_login(secretariat)
    urls = [
        (f"/suivi/plans/{plan.uid}/", DASHBOARD_QUERIES),
        (f"/suivi/plans/{plan.uid}/etats/BFA/", STATE_DASHBOARD_QUERIES),
        (f"/api/v1/monitoring/plans/{plan.uid}/rollups?dimension=axis", ROLLUP_API_QUERIES),
    ]
    _accept(monitored, aes, secretariat, monitored.periods[:1])
    for url, expected in urls:
        _queries(client, url, django_assert_num_queries, expected)
    # Three more periods of reports, and 30 more actions (each reported by its states).
    make_actions(plan, monitored.small.objective12, 30)
    _accept(monitored, aes, secretariat, monitored.periods[1:4])
    for url, expected in urls:
        _queries(client, url, django_assert_num_queries, expected)


@time_machine.travel(TODAY, tick=False)
def test_the_dashboard_api_gives_the_open_follow_ups_and_the_quarterly_report(
    client, monitored, aes, secretariat, expert_mli
):
    _committee(monitored, aes, secretariat)
    base = f"/api/v1/monitoring/plans/{monitored.plan.uid}/dashboard"
    data = client.get(
        f"{base}?period={monitored.periods[2].uid}", headers=api_headers(secretariat)
    ).json()
    follow_ups = [item["follow_up"] for item in data["open_follow_ups"]]
    assert follow_ups[0] == "Rapport d'étape du Burkina Faso"  # overdue first
    assert data["open_follow_ups"][0]["is_overdue"] is True
    assert "Inventaire confidentiel" in follow_ups
    assert "Diffusion du guide" not in follow_ups
    assert data["open_follow_ups_total"] == 3
    assert data["quarterly_report"]["pdf"] == (
        f"/suivi/periodes/{monitored.periods[2].uid}/rapport-trimestriel.pdf"
    )
    niger = client.get(f"{base}?state=NER", headers=api_headers(expert_mli)).json()
    assert [item["follow_up"] for item in niger["open_follow_ups"]] == [
        "Calendrier de formation du Niger"
    ]


@time_machine.travel(TODAY, tick=False)
def test_the_dashboard_pages_its_indicator_table(client, monitored, secretariat, settings):
    from decimal import Decimal

    from liptako.monitoring.tests.conftest import adopt
    from liptako.plans import services as plan_services
    from liptako.plans.models import Plan, PlanStatus

    settings.PAGE_SIZE = 1
    # A second indicator, added while the plan is drafted (then adopted again).
    Plan.objects.filter(pk=monitored.plan.pk).update(status=PlanStatus.DRAFTING)
    monitored.plan.refresh_from_db()
    second = plan_services.indicator_create(
        action=monitored.small.action_dr,
        actor=secretariat,
        data={
            "name": "Exercices conjoints conduits",
            "measure": "number",
            "unit": "exercices",
            "baseline_value": Decimal("0"),
            "target_value": Decimal("4"),
        },
    )
    adopt(monitored.plan)
    client.force_login(secretariat)
    url = f"/suivi/plans/{monitored.plan.uid}/?periode={monitored.q1.uid}"
    first_page = client.get(url).content.decode()
    assert monitored.small.indicator.name.replace("'", "&#x27;") in first_page
    assert second.name not in first_page
    assert "Page 1 sur 2" in first_page
    assert "indicateurs=2" in first_page
    second_page = client.get(f"{url}&indicateurs=2").content.decode()
    assert second.name in second_page
    assert monitored.small.indicator.name.replace("'", "&#x27;") not in second_page


@time_machine.travel(TODAY, tick=False)
def test_the_roadmap_is_shown_a_page_of_actions_at_a_time(
    client, monitored, secretariat, monkeypatch
):
    """A 1,000-action plan's roadmap is drawn a page at a time (decision 0144); here one
    action a page: every visible action of the year is on exactly one page."""
    from liptako.monitoring import views

    client.force_login(secretariat)
    url = f"/suivi/plans/{monitored.plan.uid}/?periode={monitored.q1.uid}"
    everything = set(_bar_colours(client.get(url).content.decode()))
    assert len(everything) >= 2
    monkeypatch.setattr(views, "ROADMAP_ROWS", 1)
    first = client.get(url).content.decode()
    assert len(_bar_colours(first)) == 1
    assert f"Actions 1 à 1 sur {len(everything)}" in first
    assert "feuille=2" in first
    seen = []
    for number in range(1, len(everything) + 1):
        page = client.get(f"{url}&feuille={number}").content.decode()
        seen.extend(_bar_colours(page))
    assert sorted(seen) == sorted(everything)


@time_machine.travel(TODAY, tick=False)
def test_the_dashboard_lists_the_most_overdue_actions_and_how_many_more(
    client, monitored, secretariat, monkeypatch
):
    from liptako.monitoring import selectors, views

    late = selectors.late_actions_for_user(
        user=secretariat, plan=monitored.plan, today=TODAY.date()
    )
    assert len(late) >= 2, "the fixture needs two late actions"
    monkeypatch.setattr(views, "LATE_ACTIONS_SHOWN", 1)
    client.force_login(secretariat)
    page = client.get(f"/suivi/plans/{monitored.plan.uid}/").content.decode()
    late_part = page.split('id="late-actions"')[1].split('id="missing-reports"')[0]
    assert late[0].title.replace("'", "&#x27;") in late_part  # the earliest end date
    for action in late[1:]:
        assert f"{action.code} " not in late_part
    more = len(late) - 1
    words = "autre action en retard" if more == 1 else "autres actions en retard"
    assert f"Et {more} {words} : voir les données (XLSX)" in late_part
