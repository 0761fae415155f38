"""Validation in the browser: three chiefs sign version 2 with their passphrases (Web Crypto,
Ed25519); a wrong passphrase signs nothing; the third approval validates the version.

The demo has version 1 validated, submitted (and adopted when the monitoring demo runs); the
secretariat opens a revision (or the authority returns the plan), freezes version 2 and sends
it to validation, then each chief signs with the demo key whose passphrase the demo wrote to
LIPTAKO_HOME/demo-key-passphrases.txt. Then an authority creates its key in the browser, the
secretariat confirms it and submits version 2, and the authority adopts it, signing in the
browser.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e import conftest
from e2e.conftest import ARTIFACTS, Instance

pytestmark = pytest.mark.e2e


def _passphrases(instance: Instance) -> dict[str, str]:
    lines = (instance.home / "demo-key-passphrases.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t") for line in lines if line and not line.startswith("#"))


@contextmanager
def logged_in(browser: Browser, instance: Instance, username: str) -> Iterator[Page]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1024, "height": 768})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(instance.url("/comptes/connexion/"))
        conftest.log_in(page, instance, username)
        expect(page).to_have_url(instance.url("/"))
        yield page
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"validation-{username}.png"), full_page=True)
        raise
    finally:
        context.close()


def test_three_chiefs_validate_in_their_browsers(browser: Browser, instance: Instance) -> None:
    passphrases = _passphrases(instance)

    # Version 1 of the demo plan was validated and submitted (and, when the monitoring demo
    # is loaded, adopted). The secretariat opens the next round: a revision of the adopted
    # plan, or, when it still awaits adoption, the authority returns it first.
    with logged_in(browser, instance, "secretariat") as page:
        listing = page.request.get(instance.url("/api/v1/plans/")).json()
        plan = conftest.demo_plan(listing)
        plan_url = instance.url(f"/validation/plans/{plan['uid']}/")
        status = plan["status"]
    if status == "submitted":
        with logged_in(browser, instance, "autorite.mli") as page:
            page.goto(plan_url)
            page.get_by_label("Motifs du renvoi").fill("Intégrer les remarques de l'atelier.")
            page.get_by_role("button", name="Renvoyer le plan").click()
            expect(page.locator("#plan-status")).to_have_text("En rédaction")
    with logged_in(browser, instance, "secretariat") as page:
        page.goto(plan_url)
        if status == "in_implementation":
            page.get_by_role("button", name="Ouvrir une révision").click()
            expect(page.locator("#plan-status")).to_have_text("En rédaction")
        page.get_by_role("button", name="Figer et envoyer en validation").click()
        expect(page.locator("#plan-status")).to_have_text("En validation")
        expect(page.locator("#version-2 .version-status")).to_have_text("En validation")

    for position, code in enumerate(("mli", "bfa", "ner"), start=1):
        username = f"validateur.{code}"
        with logged_in(browser, instance, username) as page:
            sign_url = plan_url + f"versions/2/signer/{code.upper()}/approve/"
            page.goto(sign_url)
            expect(page.locator("#version-number")).to_have_text("2")
            # Opening the page writes nothing: the statement is prepared by an explicit step.
            if position == 1:
                expect(page.locator("#browser-sign")).to_have_count(0)
            page.get_by_role("button", name="Préparer la déclaration à signer").click()
            expect(page.locator("#statement-text")).to_contain_text('"version":2')
            form = page.locator("#browser-sign")
            expect(form).to_be_visible()  # shown by signing.js: Web Crypto Ed25519 works
            if position == 1:
                # A wrong passphrase signs nothing and says so.
                page.get_by_label("Phrase de passe de votre clé").fill("pas la bonne phrase")
                page.get_by_role("button", name="Signer et valider").click()
                expect(page.locator("#sign-status")).to_have_text(
                    "Phrase de passe erronée : rien n’a été signé."  # noqa: RUF001
                )
                expect(page).to_have_url(sign_url)
                page.goto(plan_url)
                expect(page.locator("#version-2")).not_to_contain_text("Mali")
                page.goto(sign_url)  # the statement stays issued: signing goes on from here
            page.get_by_label("Phrase de passe de votre clé").fill(passphrases[username])
            page.get_by_role("button", name="Signer et valider").click()
            expect(page).to_have_url(plan_url)
            expect(page.locator(".messages")).to_contain_text("Votre signature est enregistrée.")
            expected = "Validée" if position == 3 else "En validation"
            expect(page.locator("#version-2 .version-status")).to_have_text(expected)
            if position == 3:
                expect(page.locator("#plan-status")).to_have_text("Validé")
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "validation-validated.png"), full_page=True)

    # The authority of Niger creates a key in the browser and reads its words to the secretariat.
    authority_passphrase = "la phrase de l'autorité du Niger"
    with logged_in(browser, instance, "autorite.ner") as page:
        page.goto(instance.url("/validation/cles/"))
        page.get_by_label("Phrase de passe", exact=True).fill(authority_passphrase)
        page.get_by_label("Phrase de passe (confirmation)").fill(authority_passphrase)
        page.get_by_role("button", name="Créer ma clé").click()
        expect(page.locator(".messages")).to_contain_text("Votre clé est enregistrée.")
        words = page.locator(".key-pending .fingerprint-words").inner_text()
        assert len(words.split()) == 12

    # The secretariat confirms the key after comparing the words, and submits version 2.
    with logged_in(browser, instance, "secretariat") as page:
        page.goto(instance.url("/validation/cles/registre/"))
        row = page.locator(".key-pending", has_text=words)
        row.get_by_role("button", name="Les mots correspondent : confirmer").click()
        expect(page.locator(".messages")).to_contain_text("est confirmée")
        page.goto(plan_url)
        page.get_by_role("button", name="Soumettre aux Chefs d’État").click()  # noqa: RUF001
        expect(page.locator("#version-2 .version-status")).to_have_text("Soumise aux Chefs d’État")  # noqa: RUF001

    # The authority adopts version 2, signing in the browser.
    with logged_in(browser, instance, "autorite.ner") as page:
        page.goto(plan_url + "versions/2/signer/NER/adopt/")
        page.get_by_role("button", name="Préparer la déclaration à signer").click()
        page.get_by_label("Phrase de passe de votre clé").fill(authority_passphrase)
        page.get_by_role("button", name="Signer et adopter").click()
        expect(page).to_have_url(plan_url)
        expect(page.locator("#plan-status")).to_have_text("Adopté (en mise en œuvre)")
        expect(page.locator("#version-2 .version-status")).to_have_text("Adoptée (en vigueur)")
        if status == "in_implementation":
            expect(page.locator("#version-1 .version-status")).to_have_text(
                "Remplacée par une révision"
            )


def test_the_version_page_links_its_documents_and_the_bundle_verifies(
    browser: Browser, instance: Instance, tmp_path: Path
) -> None:
    """The secretariat follows every document link of version 1 (validated by the demo's
    three chiefs) and of the draft; the downloaded bundle verifies with `liptako verify`."""
    with logged_in(browser, instance, "secretariat") as page:
        listing = page.request.get(instance.url("/api/v1/plans/")).json()
        plan = conftest.demo_plan(listing)
        page.goto(instance.url(f"/plans/{plan['uid']}/versions/1/"))
        links = page.locator("#version-documents")
        downloads = {}
        for name in (
            "PDF",
            "Word (DOCX)",
            "Paquet signé (zip)",
            "Lettre de transmission (PDF)",
            "Lettre de transmission (DOCX)",
        ):
            with page.expect_download() as download:
                links.get_by_role("link", name=name, exact=True).click()
            path = tmp_path / download.value.suggested_filename
            download.value.save_as(path)
            downloads[name] = path
        assert downloads["PDF"].read_bytes().startswith(b"%PDF")
        assert downloads["Lettre de transmission (PDF)"].read_bytes().startswith(b"%PDF")
        assert downloads["Word (DOCX)"].read_bytes().startswith(b"PK")
        environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        verified = subprocess.run(
            [sys.executable, "-m", "liptako", "verify", str(downloads["Paquet signé (zip)"])],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "OK   plan.pdf" in verified.stdout
        links.get_by_role("link", name="Validation").click()
        expect(page).to_have_url(instance.url(f"/validation/plans/{plan['uid']}/"))

        page.goto(instance.url(f"/plans/{plan['uid']}/"))
        draft = page.locator("#draft-documents")
        for name in ("Projet en PDF", "Projet en Word (DOCX)"):
            with page.expect_download() as download:
                draft.get_by_role("link", name=name).click()
            assert download.value.failure() is None
