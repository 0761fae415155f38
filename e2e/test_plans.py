"""Plans in a real browser: build a small plan, freeze it, edit an action inline (HTMX),
and see the change on the diff page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e import conftest
from e2e.conftest import Instance

pytestmark = pytest.mark.e2e


def log_in(page: Page, instance: Instance, username: str) -> None:
    page.goto(instance.url("/comptes/connexion/"))
    conftest.log_in(page, instance, username)
    expect(page.locator("h1")).to_be_visible()


def submit(page: Page) -> None:
    page.locator("main form.edit-form button[type=submit]").click()


def test_outline_editing_freeze_and_diff(page: Page, instance: Instance) -> None:
    log_in(page, instance, "secretariat")

    # A new plan, built through the pages.
    page.goto(instance.url("/plans/"))
    page.get_by_role("link", name="Nouveau plan").click()
    page.locator("#id_title").fill("Plan de test navigateur")
    page.locator("#id_period_start").fill("2025-01-01")
    page.locator("#id_period_end").fill("2025-12-31")
    submit(page)
    expect(page.locator("h1")).to_contain_text("Plan de test navigateur")
    outline_url = page.url

    page.get_by_role("link", name=re.compile("Ajouter un axe stratégique")).click()
    page.locator("#id_title").fill("Interopérabilité des transmissions")
    submit(page)
    page.get_by_role("link", name=re.compile("Ajouter un objectif")).click()
    page.locator("#id_title").fill("Procédures communes")
    submit(page)
    page.get_by_role("link", name=re.compile("Ajouter une action")).click()
    page.locator("#id_title").fill("Guide des procédures de transmission")
    page.locator("#id_lead_state").select_option(label="Mali")
    page.locator("#id_budget_amount").fill("1250000")
    submit(page)
    row = page.locator(".item-action").first
    expect(row).to_contain_text("Guide des procédures de transmission")
    expect(row).to_contain_text("1\u00a0250\u00a0000\u00a0FCFA")

    # Freeze version 1; its page shows the full digest.
    page.get_by_role("link", name="Versions").click()
    page.locator("#id_note").fill("Atelier des experts")
    page.get_by_role("button", name="Figer").click()
    expect(page.locator("h1")).to_contain_text("version 1")
    expect(page.locator("#digest")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))

    # Inline editing: the row becomes its form and comes back, without leaving the page.
    page.goto(outline_url)
    row = page.locator(".item-action").first
    row.get_by_role("link", name=re.compile("^Modifier")).click()
    form = page.locator(".item-row.editing")
    expect(form).to_be_visible()
    expect(page).to_have_url(outline_url)
    form.locator("[name=title]").fill("Guide commun des transmissions")
    form.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".item-row.editing")).to_have_count(0)
    expect(page.locator(".item-action").first).to_contain_text("Guide commun des transmissions")
    expect(page).to_have_url(outline_url)

    # The diff of version 1 against the live draft shows the change, field by field.
    page.get_by_role("link", name="Comparer").first.click()
    expect(page.locator("main")).to_contain_text("Guide des procédures de transmission")
    expect(page.locator("main")).to_contain_text("Guide commun des transmissions")
    expect(page.locator("main")).to_contain_text("Modifié")
