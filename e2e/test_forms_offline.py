"""Forms survive a dropped connection, and a resubmission never creates a second record."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route, expect

from e2e.conftest import Instance
from e2e.test_csp_and_page_weight import RECORD_VIOLATIONS, log_in

pytestmark = pytest.mark.e2e

FORM = "/plans/nouveau/"


def fill_plan(page: Page, title: str) -> None:
    page.locator("input[name=title]").fill(title)
    page.locator("textarea[name=description]").fill("Saisi sur une liaison instable.")
    page.locator("input[name=period_start]").fill("2027-01-01")
    page.locator("input[name=period_end]").fill("2027-12-31")


def plans_titled(page: Page, instance: Instance, title: str) -> int:
    text = page.context.request.get(instance.url("/plans/")).text()
    return text.count(f">{title}<")


def test_what_was_typed_comes_back_after_a_failed_submission(
    page: Page, instance: Instance
) -> None:
    log_in(page, instance, instance.accounts["secretariat"])
    page.goto(instance.url(FORM))
    fill_plan(page, "Plan de la coupure")

    # The connection drops: the submission never reaches the server.
    page.route(re.compile(r".*/plans/nouveau/$"), lambda route: route.abort())
    with page.expect_event("requestfailed"):
        page.locator("form.edit-form button[type=submit]").click()
    page.unroute(re.compile(r".*/plans/nouveau/$"))

    page.goto(instance.url(FORM))
    expect(page.locator("input[name=title]")).to_have_value("Plan de la coupure")
    expect(page.locator("textarea[name=description]")).to_have_value(
        "Saisi sur une liaison instable."
    )
    expect(page.locator(".draft-notice")).to_contain_text("a été rétabli")

    page.locator("form.edit-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/plans/[0-9a-f-]{36}/$"))
    assert plans_titled(page, instance, "Plan de la coupure") == 1
    # Saved: the form is empty again.
    page.goto(instance.url(FORM))
    expect(page.locator("input[name=title]")).to_have_value("")
    expect(page.locator(".draft-notice")).to_have_count(0)


def test_a_resubmission_after_a_lost_answer_creates_nothing_more(
    page: Page, instance: Instance
) -> None:
    log_in(page, instance, instance.accounts["secretariat"])
    page.goto(instance.url(FORM))
    fill_plan(page, "Plan de la réponse perdue")
    created: list[str] = []

    def lose_the_answer(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch(max_redirects=0)  # the server does the work…
        created.append(answer.headers.get("location", ""))
        # …but its answer never arrives (Playwright's fetch has already put the answer's
        # cookie into the browser's jar: take it out, as a lost answer would).
        page.context.clear_cookies(name="liptako-submitted")
        route.abort()

    page.route(re.compile(r".*/plans/nouveau/$"), lose_the_answer)
    with page.expect_event("requestfailed"):
        page.locator("form.edit-form button[type=submit]").click()
    page.unroute(re.compile(r".*/plans/nouveau/$"))
    assert re.fullmatch(r"/plans/[0-9a-f-]{36}/", created[0])

    # The user comes back to the form and sends it again: the same submission, one plan.
    page.goto(instance.url(FORM))
    expect(page.locator("input[name=title]")).to_have_value("Plan de la réponse perdue")
    page.locator("form.edit-form button[type=submit]").click()
    page.wait_for_url(instance.url(created[0]))
    assert plans_titled(page, instance, "Plan de la réponse perdue") == 1


def test_the_violation_listener_does_see_an_inline_style(page: Page, instance: Instance) -> None:
    # The CSP sweep would be worthless if it could not notice a violation.
    page.context.add_init_script(RECORD_VIOLATIONS)
    page.goto(instance.url("/comptes/connexion/"))
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_timeout(200)
    violations = page.evaluate("window.__cspViolations")
    assert any(violation.startswith("style-src") for violation in violations), violations
