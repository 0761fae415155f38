"""Links from meetings, agenda items and decisions to the plan, its versions and actions."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from liptako.accounts.services import api_token_create
from liptako.meetings import selectors, services
from liptako.meetings.tests.conftest import take_decision
from liptako.plans import services as plan_services
from liptako.plans.tests.conftest import build_small_plan


@pytest.fixture
def linked(meeting, secretariat, aes, markings):
    small = build_small_plan(aes, secretariat, markings)
    version = plan_services.plan_version_freeze(plan=small.plan, actor=secretariat)
    services.meeting_update(
        actor=secretariat,
        meeting=meeting,
        revision=meeting.revision,
        changes={"plan": small.plan, "plan_version": version},
    )
    meeting.refresh_from_db()
    decision = take_decision(
        meeting,
        secretariat,
        plan_version=version,
        actions=[small.action_np, small.action_dr],
        follow_up="Mettre en œuvre",
    )
    return small, version, decision


def test_a_decision_links_to_the_version_and_actions(linked, meeting):
    small, version, decision = linked
    assert decision.plan_version == version
    assert set(decision.actions.all()) == {small.action_np, small.action_dr}


def test_actions_of_another_plan_than_the_version_are_refused(
    linked, meeting, secretariat, aes, markings
):
    _small, version, _decision = linked
    other = build_small_plan(aes, secretariat, markings)
    with pytest.raises(ValidationError):
        take_decision(meeting, secretariat, plan_version=version, actions=[other.action_np])
    assert meeting.decisions.count() == 1


def test_an_actions_page_can_list_its_follow_ups_seen_by_the_reader(linked, observer, expert_mli):
    small, _version, decision = linked
    assert list(selectors.follow_ups_for_action(user=expert_mli, action=small.action_dr)) == [
        decision
    ]
    # The observer (NP clearance) cannot see the DR action's decision link through the page.
    decisions = selectors.decisions_for_meeting(user=observer, meeting=decision.meeting)
    assert [action.pk for action in decisions.get().actions.all()] == [small.action_np.pk]


def test_hidden_actions_are_not_named_in_pages_or_the_api(linked, meeting, observer):
    small, _version, _decision = linked
    client = Client()
    client.force_login(observer)
    page = html.unescape(client.get(f"/reunions/{meeting.uuid}/").content.decode())
    assert str(small.action_np.uid) in page
    assert str(small.action_dr.uid) not in page
    token = api_token_create(actor=observer, user=observer, name="t").clear_token
    decisions = client.get(
        f"/api/v1/meetings/{meeting.uuid}/decisions",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert decisions[0]["action_ids"] == [str(small.action_np.uid)]
    assert decisions[0]["plan_version"] == 1
