"""The plan list and the outline page: what each reader sees, filters, query counts."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django import forms
from django.test import Client

from liptako.plans import services
from liptako.plans.forms import PrintedSelect
from liptako.plans.models import Plan
from liptako.plans.tests.conftest import make_actions

pytestmark = pytest.mark.django_db


def page(client: Client, user, url: str, **extra):
    client.force_login(user)
    return client.get(url, **extra)


def test_plan_list_shows_visible_plans_with_status_and_marking(client, small_plan, expert_mli):
    response = page(client, expert_mli, "/plans/")
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert small_plan.plan.title in text
    assert "En rédaction" in text or "Rédaction" in text
    assert 'class="marking-badge"' in text
    assert "Nouveau plan" not in text


def test_plan_list_offers_a_new_plan_to_the_secretariat(client, small_plan, secretariat):
    response = page(client, secretariat, "/plans/")
    assert "/plans/nouveau/" in html.unescape(response.content.decode())


def test_the_secretariat_creates_a_plan(client, aes, secretariat):
    client.force_login(secretariat)
    response = client.post(
        "/plans/nouveau/",
        {
            "title": "Plan 2026",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "classification": "",
        },
    )
    plan = Plan.objects.get(title="Plan 2026")
    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.uid}/"


def test_a_plan_with_its_end_before_its_start_is_refused(client, aes, secretariat):
    client.force_login(secretariat)
    response = client.post(
        "/plans/nouveau/",
        {"title": "Plan", "period_start": "2026-12-31", "period_end": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "La fin de la période" in html.unescape(response.content.decode())
    assert not Plan.objects.exists()


@pytest.mark.parametrize("persona", ["expert_mli", "observer", "outsider", "validator_bfa"])
def test_only_the_secretariat_creates_plans(client, aes, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.post(
        "/plans/nouveau/",
        {"title": "Plan", "period_start": "2026-01-01", "period_end": "2026-12-31"},
    )
    assert response.status_code == 403
    assert not Plan.objects.exists()


def test_anonymous_readers_are_sent_to_the_login_page(client, small_plan):
    response = client.get(f"/plans/{small_plan.plan.uid}/")
    assert response.status_code == 302
    assert "/comptes/connexion/" in response["Location"]


def test_outline_shows_axes_objectives_and_actions(client, small_plan, secretariat):
    response = page(client, secretariat, f"/plans/{small_plan.plan.uid}/")
    text = html.unescape(response.content.decode())
    assert response.status_code == 200
    for expected in (
        "Interopérabilité",
        "Transmissions communes",
        "Harmoniser les procédures de transmission",
        "1\xa0250\xa0000\xa0FCFA",
        "Cursus confidentiel",
        "<details",
    ):
        assert expected in text, expected


def test_outline_redacts_actions_above_the_readers_clearance(client, small_plan, observer):
    response = page(client, observer, f"/plans/{small_plan.plan.uid}/")
    text = html.unescape(response.content.decode())
    assert "Harmoniser les procédures de transmission" in text
    assert "Plan de fréquences partagé" not in text
    assert "Cursus confidentiel" not in text
    assert small_plan.action_dr.code in text
    assert "Action restreinte" in text
    # The redacted line does not raise the page banner: the page holds no DR content.
    banner = re.search(r'class="marking-banner"[^>]*>([^<]*)<', text)
    assert banner is not None
    assert banner.group(1) == "Non protégé (NP)"


def test_outline_is_hidden_from_readers_who_may_not_see_the_plan(
    client, small_plan, secretariat, outsider, markings
):
    services.plan_update(
        plan=small_plan.plan,
        actor=secretariat,
        lock_version=small_plan.plan.lock_version,
        data={"classification": markings["C"]},
    )
    response = page(client, outsider, f"/plans/{small_plan.plan.uid}/")
    assert response.status_code == 404


def test_outline_filters_by_lead_state_and_text(client, small_plan, secretariat):
    url = f"/plans/{small_plan.plan.uid}/"
    text = html.unescape(
        page(client, secretariat, url, data={"lead_state": "BFA"}).content.decode()
    )
    assert "Plan de fréquences partagé" in text
    assert "Harmoniser les procédures" not in text
    text = html.unescape(client.get(url, {"q": "frequences"}).content.decode())
    assert "Plan de fréquences partagé" in text
    assert "Cursus confidentiel" not in text


@pytest.mark.parametrize("value", [None, "", "MLI", "g2", 3, "a<b"])
def test_the_filters_print_their_selects_as_django_does(value):
    choices = [
        ("", "Tous"),
        ("a<b", 'Dit "x" & <y>'),
        ("MLI", "Mali"),
        ("Groupe", [("g1", "Un"), ("g2", "Deux")]),
        (3, "Trois"),
    ]
    attrs = {"id": "id_state", "class": "wide", "disabled": True, "hidden": False}
    assert PrintedSelect(choices=choices).render("state", value, attrs) == forms.Select(
        choices=choices
    ).render("state", value, attrs)


def test_outline_filters_answer_an_htmx_request_with_the_fragment(client, small_plan, secretariat):
    response = page(
        client,
        secretariat,
        f"/plans/{small_plan.plan.uid}/",
        data={"priority": "medium"},
        HTTP_HX_REQUEST="true",
    )
    text = html.unescape(response.content.decode())
    assert text.startswith('<div id="outline"')
    assert "<html" not in text


def test_outline_shows_open_comment_counts(client, small_plan, expert_mli):
    services.comment_add(
        plan=small_plan.plan, actor=expert_mli, item_uid=small_plan.action_np.uid, body="À revoir"
    )
    text = html.unescape(
        page(client, expert_mli, f"/plans/{small_plan.plan.uid}/").content.decode()
    )
    assert "1 commentaire ouvert" in text


def _outline_queries(client, plan, user, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    client.get(f"/plans/{plan.uid}/")  # warm the session and the caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/plans/{plan.uid}/")
    assert response.status_code == 200
    return len(captured)


def test_outline_query_count_does_not_grow_with_the_plan(
    client, small_plan, expert_mli, django_assert_max_num_queries
):
    small = _outline_queries(client, small_plan.plan, expert_mli, django_assert_max_num_queries)
    make_actions(small_plan.plan, small_plan.objective12, 1000)
    large = _outline_queries(client, small_plan.plan, expert_mli, django_assert_max_num_queries)
    assert small == large
    assert large <= 30


def _list_queries(client, user) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    client.get("/plans/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/plans/").status_code == 200
    return len(captured)


def test_plan_list_is_paginated_in_a_constant_number_of_queries(client, aes, secretariat, settings):
    settings.PAGE_SIZE = 5
    services.plan_create(
        actor=secretariat,
        alliance=aes.alliance,
        title="Plan 0",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
    )
    one = _list_queries(client, secretariat)
    for number in range(1, 12):
        services.plan_create(
            actor=secretariat,
            alliance=aes.alliance,
            title=f"Plan {number}",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 12, 31),
        )
    assert _list_queries(client, secretariat) == one
    body = html.unescape(client.get("/plans/", {"page": 3}).content.decode())
    assert "Page 3 sur 3" in body or "Page 3 of 3" in body


def test_the_plan_history_lists_the_plans_own_changes(client, small_plan, secretariat):
    plan = small_plan.plan
    services.plan_update(
        plan=plan, actor=secretariat, lock_version=plan.lock_version, data={"title": "Plan révisé"}
    )
    client.force_login(secretariat)
    body = html.unescape(
        client.get(f"/plans/{plan.uid}/elements/{plan.uid}/historique/").content.decode()
    )
    assert "Plan révisé" in body
    assert "Plan d'action Défense et Sécurité 2025" in body


def test_outline_rows_escape_what_people_typed(client, small_plan, secretariat):
    action = small_plan.action_np
    services.action_update(
        action=action,
        actor=secretariat,
        lock_version=action.lock_version,
        data={"title": '<script>alert("x")</script> & co'},
    )
    client.force_login(secretariat)
    body = client.get(f"/plans/{small_plan.plan.uid}/").content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in body


def test_htmx_history_restore_gets_the_full_page(client, small_plan, secretariat):
    client.force_login(secretariat)
    response = client.get(
        f"/plans/{small_plan.plan.uid}/",
        {"priority": "medium"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()


# --- Light outline: indicators and milestones load when an action is opened -----------------

# The outline's queries, whatever the size of the plan (the children load on demand; their
# counts, the member state codes and the organisation come with the actions' rows; the axes are
# read once for the outline and its filters; the page's permission flags reuse the plan's access
# check).
OUTLINE_QUERIES = 10


def _children_url(plan, item) -> str:
    return f"/plans/{plan.uid}/elements/{item.uid}/?partie=enfants"


def test_outline_counts_indicators_and_milestones_without_listing_them(
    client, small_plan, secretariat
):
    body = html.unescape(
        page(client, secretariat, f"/plans/{small_plan.plan.uid}/").content.decode()
    )
    assert "1 indicateur, 1 jalon" in body
    # Their names load on demand: not in the outline.
    assert "Taux d'unités équipées" not in body
    assert "Guide validé" not in body
    action_url = f"/plans/{small_plan.plan.uid}/elements/{small_plan.action_np.uid}/"
    # Opening the action asks its URL for the children (HTMX, once) ...
    assert f'hx-get="{action_url}?partie=enfants"' in body
    assert 'hx-trigger="toggle once"' in body
    # ... and without JavaScript the block links to the action's page, which lists them.
    assert f'href="{action_url}#children"' in body
    action_page = html.unescape(client.get(action_url).content.decode())
    assert 'id="children"' in action_page
    assert "Taux d'unités équipées" in action_page
    assert "Guide validé" in action_page


def test_opening_an_action_loads_its_indicators_and_milestones(client, small_plan, expert_mli):
    response = page(
        client,
        expert_mli,
        _children_url(small_plan.plan, small_plan.action_np),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = html.unescape(response.content.decode())
    assert body.startswith('<div class="children-slot loaded">')
    assert "<html" not in body
    assert "Taux d'unités équipées" in body
    assert "Cible : 80 %" in body or "80 %" in body
    assert "Guide validé" in body
    assert "15/05/2025" in body
    # An expert drafts: the rows can be edited inline, children added.
    assert f"/elements/{small_plan.indicator.uid}/modifier/" in body
    assert f"ajouter/indicator/?sous={small_plan.action_np.uid}" in body


def test_readers_get_the_children_without_editing_tools(client, small_plan, observer):
    body = html.unescape(
        page(
            client,
            observer,
            _children_url(small_plan.plan, small_plan.action_np),
            HTTP_HX_REQUEST="true",
        ).content.decode()
    )
    assert "Taux d'unités équipées" in body
    assert "modifier/" not in body
    assert "ajouter/" not in body


def test_an_action_without_children_says_so(client, small_plan, secretariat):
    body = html.unescape(
        page(
            client,
            secretariat,
            _children_url(small_plan.plan, small_plan.action_c),
            HTTP_HX_REQUEST="true",
        ).content.decode()
    )
    assert "Aucun indicateur ni jalon" in body
    assert f"ajouter/milestone/?sous={small_plan.action_c.uid}" in body


def test_children_of_an_action_above_the_readers_clearance_are_not_given(
    client, small_plan, observer
):
    plan = small_plan.plan
    response = page(
        client, observer, _children_url(plan, small_plan.action_dr), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404
    outline = html.unescape(client.get(f"/plans/{plan.uid}/").content.decode())
    # The redacted line offers nothing to open.
    assert f"/elements/{small_plan.action_dr.uid}/" not in outline


def test_without_htmx_the_children_url_is_the_actions_page(client, small_plan, secretariat):
    body = html.unescape(
        page(
            client, secretariat, _children_url(small_plan.plan, small_plan.action_np)
        ).content.decode()
    )
    assert "<html" in body
    assert "Taux d'unités équipées" in body
    assert "Guide validé" in body


def test_other_htmx_requests_on_an_item_still_get_its_row(client, small_plan, secretariat):
    body = page(
        client,
        secretariat,
        f"/plans/{small_plan.plan.uid}/elements/{small_plan.action_np.uid}/",
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert body.startswith(f'<div class="item-row item-action" id="row-{small_plan.action_np.uid}"')


def _children_queries(client, plan, action) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(_children_url(plan, action), HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(_children_url(plan, action), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return len(captured)


def test_children_load_in_a_constant_number_of_queries(client, small_plan, secretariat):
    from liptako.plans.models import Indicator

    client.force_login(secretariat)
    plan, action = small_plan.plan, small_plan.action_np
    few = _children_queries(client, plan, action)
    Indicator.objects.bulk_create(
        Indicator(plan=plan, action=action, code=f"X{n}", name=f"I{n}", position=10 + n)
        for n in range(50)
    )
    assert _children_queries(client, plan, action) == few


def test_outline_query_count_is_pinned_for_10_and_1000_actions(
    client, small_plan, expert_mli, django_assert_max_num_queries
):
    make_actions(small_plan.plan, small_plan.objective12, 7)  # 10 actions
    small = _outline_queries(client, small_plan.plan, expert_mli, django_assert_max_num_queries)
    make_actions(small_plan.plan, small_plan.objective11, 990)  # 1,000 actions (make_actions
    # gives each one indicator and one milestone)
    large = _outline_queries(client, small_plan.plan, expert_mli, django_assert_max_num_queries)
    assert small == large == OUTLINE_QUERIES
