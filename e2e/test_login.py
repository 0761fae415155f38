"""A demo user logs in in French, switches to English and logs out, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e import conftest
from e2e.conftest import ARTIFACTS, Instance

pytestmark = pytest.mark.e2e


def log_in(page: Page, instance: Instance, username: str) -> None:
    conftest.log_in(page, instance, username)


def test_a_demo_user_logs_in_in_french_switches_to_english_and_logs_out(
    page: Page, instance: Instance
) -> None:
    page.goto(instance.url("/"))
    # Anonymous: the log-in page, in French.
    expect(page).to_have_url(re.compile(r"/comptes/connexion/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="English")).to_be_visible()

    log_in(page, instance, "expert.mli")

    expect(page).to_have_url(instance.url("/"))
    expect(page.locator("h1")).to_contain_text("Bienvenue")
    navigation = page.get_by_role("navigation", name="Menu principal")
    expect(navigation.get_by_role("link", name="Accueil")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    # The marking banner, at the top and the bottom of the page.
    expect(page.locator(".marking-banner")).to_have_count(2)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home-fr.png"), full_page=True)

    page.get_by_role("button", name="English").click()

    expect(page).to_have_url(instance.url("/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Welcome")
    expect(page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Home"))
    expect(page.get_by_role("button", name="Français")).to_be_visible()

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(re.compile(r"/comptes/connexion/"))
    expect(page.locator("input[name=username]")).to_be_visible()
    # Logged out for real: the home page sends back to the log-in page.
    page.goto(instance.url("/"))
    expect(page).to_have_url(re.compile(r"/comptes/connexion/\?next=/$"))


def test_the_skip_link_is_the_first_stop_of_the_keyboard(page: Page, instance: Instance) -> None:
    page.goto(instance.url("/"))
    log_in(page, instance, "secretariat")
    expect(page.locator("h1")).to_contain_text("Bienvenue")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Aller au contenu")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_a_wrong_password_is_refused_in_french(page: Page, instance: Instance) -> None:
    page.goto(instance.url("/comptes/connexion/"))
    page.locator("input[name=username]").fill("expert.mli")
    page.locator("input[name=password]").fill("not the password")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/comptes/connexion/"))
    expect(page.locator("main")).to_contain_text("mot de passe")


def test_the_pages_fit_a_tablet_screen(page: Page, instance: Instance) -> None:
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(instance.url("/"))
    log_in(page, instance, "validateur.bfa")
    expect(page.locator("h1")).to_contain_text("Bienvenue")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.screenshot(path=str(ARTIFACTS / "home-tablet.png"), full_page=True)


def test_printed_pages_keep_the_marking_and_drop_the_navigation(
    page: Page, instance: Instance
) -> None:
    page.goto(instance.url("/"))
    log_in(page, instance, "expert.mli")
    expect(page.locator("h1")).to_contain_text("Bienvenue")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    for banner in (".marking-top", ".marking-bottom"):
        assert page.locator(banner).evaluate("e => getComputedStyle(e).position") == "fixed"
        expect(page.locator(f"{banner} .marking-banner")).to_have_text("Non protégé (NP)")
    # The frame's header and footer rows repeat on each printed page, under the banners.
    frame_header = page.locator(".print-frame > thead")
    assert frame_header.evaluate("e => getComputedStyle(e).display") == "table-header-group"
    assert page.pdf(format="A4").startswith(b"%PDF")


def test_a_validator_gives_the_code_of_the_app_after_the_password(
    page: Page, instance: Instance
) -> None:
    account = instance.accounts["validateur.mli"]
    assert account.totp_secret, "the demo gives the validators a second factor"
    page.goto(instance.url("/plans/"))
    page.locator("input[name=username]").fill(account.username)
    page.locator("input[name=password]").fill(account.password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/comptes/connexion/code/\?next="))
    expect(page.locator("h1")).to_have_text("Second facteur")
    page.locator("input[name=code]").fill("000000")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("main")).to_contain_text("Ce code n\u2019est pas valide")
    page.wait_for_timeout(1500)  # after a failure, django-otp refuses any code for 1 s
    page.locator("input[name=code]").fill(conftest.totp_code(account))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(instance.url("/plans/"))
