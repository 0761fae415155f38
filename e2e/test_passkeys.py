"""Passkeys in Chromium, with its virtual authenticator (the WebAuthn domain of CDP).

An authority (a second factor is required) registers a passkey from « Double
authentification », logs out, logs in with the password and then the passkey; removes the
authenticator app and is not sent to enrolment; logs in again with the passkey alone.

The instance is opened as http://localhost:<port>: browsers refuse passkeys on an IP address,
and "localhost" is the relying party of instances without LIPTAKO_BASE_URL (decision 0220).
The account is used by no other browser test (its app is removed here).
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from playwright.sync_api import Page, expect

from e2e import conftest
from e2e.conftest import Instance

pytestmark = pytest.mark.e2e

USERNAME = "autorite.bfa"
TWO_FACTOR_PATH = "/comptes/double-authentification/"
ENROL_PATH = "/comptes/double-authentification/activer/"


def _on_localhost(instance: Instance) -> Instance:
    return dataclasses.replace(
        instance, base_url=instance.base_url.replace("127.0.0.1", "localhost")
    )


def _virtual_authenticator(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )


def _password_only(page: Page, instance: Instance) -> None:
    account = instance.accounts[USERNAME]
    page.goto(instance.url(conftest.LOGIN_PATH))
    page.locator("input[name=username]").fill(account.username)
    page.locator("input[name=password]").fill(account.password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/comptes/connexion/"))


def test_a_passkey_is_registered_then_opens_the_second_step(page: Page, instance: Instance) -> None:
    local = _on_localhost(instance)
    _virtual_authenticator(page)
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    # Register, from « Double authentification » (logged in with the app's code).
    page.goto(local.url(conftest.LOGIN_PATH))
    conftest.log_in(page, local, USERNAME)
    expect(page).to_have_url(local.url("/"))
    page.goto(local.url(TWO_FACTOR_PATH))
    expect(page.get_by_text("Aucune clé d\u2019accès enregistrée.")).to_be_visible()
    page.get_by_label("Nom de la nouvelle clé d\u2019accès").fill("Ordinateur de test")
    page.get_by_role("button", name="Enregistrer une clé d\u2019accès").click()
    expect(page.locator("ul.passkeys")).to_contain_text("Ordinateur de test")
    _log_out(page)

    # Password, then the passkey: the home page.
    _password_only(page, local)
    expect(page).to_have_url(re.compile(r"/comptes/connexion/code/"))
    expect(page.locator("input[name=code]")).to_be_visible()  # the app still works too
    page.get_by_role("button", name="Utiliser une clé d\u2019accès").click()
    expect(page).to_have_url(local.url("/"))
    expect(page.locator("h1")).to_contain_text("Bienvenue")

    # Without the app: the passkey is enough, no detour through the app's enrolment.
    page.goto(local.url(TWO_FACTOR_PATH))
    page.get_by_role("button", name="Supprimer le second facteur").click()
    expect(page).to_have_url(local.url(TWO_FACTOR_PATH))
    expect(page.get_by_text("vos clés d\u2019accès sont votre second facteur")).to_be_visible()
    _log_out(page)
    _password_only(page, local)
    expect(page).to_have_url(re.compile(r"/comptes/connexion/code/"))
    expect(page.locator("input[name=code]")).to_have_count(0)
    page.get_by_role("button", name="Utiliser une clé d\u2019accès").click()
    expect(page).to_have_url(local.url("/"))
    expect(page.locator("h1")).to_contain_text("Bienvenue")
    assert not [url for url in visited if ENROL_PATH in url]
    assert not [text for text in console if "Content Security Policy" in text]
