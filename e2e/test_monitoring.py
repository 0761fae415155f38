"""Monitoring in the browser, with the demo accounts.

Burkina Faso's focal point prepares Burkina Faso's report for T4 2025 (a period the demo left
without reports): a line on an action Burkina Faso partners, and the actions it leads marked
done. The secretariat returns it with a comment on that line; the focal point corrects and
resubmits it; the secretariat accepts it; the dashboard's figure for Burkina Faso moves and the
quarterly report shows it. Niger's focal point cannot report for Burkina Faso.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from e2e import conftest
from e2e.conftest import ARTIFACTS, Instance

pytestmark = pytest.mark.e2e


@contextmanager
def logged_in(browser: Browser, instance: Instance, username: str) -> Iterator[Page]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1024, "height": 768})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        conftest.log_in(page, instance, username)
        expect(page).to_have_url(instance.url("/"))
        yield page
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"monitoring-{username}.png"), full_page=True)
        raise
    finally:
        context.close()


def _lead_figure(page: Page, state_name: str) -> str:
    """The percent complete of the state's row in the "by lead member state" table."""
    row = page.locator("h2:has-text('Par État chef de file') + div table tr").filter(
        has_text=state_name
    )
    return row.locator("td").nth(2).inner_text().strip()


def _percent(text: str) -> float:
    return float(text.removesuffix(" %").replace(",", "."))


def test_burkina_faso_reports_is_returned_corrects_and_the_dashboard_moves(
    browser: Browser, instance: Instance
) -> None:
    with logged_in(browser, instance, "pointfocal.bfa") as page:
        listing = page.request.get(instance.url("/api/v1/plans/")).json()
        plan = conftest.demo_plan(listing)
        periods = page.request.get(
            instance.url(f"/api/v1/monitoring/plans/{plan['uid']}/periods")
        ).json()["periods"]
        period = next(item for item in periods if item["label"] == "T4 2025")
        assert period["reports"]["BFA"]["status"] is None  # no report yet
        dashboard = instance.url(f"/suivi/plans/{plan['uid']}/?periode={period['id']}")

        report_url = instance.url(f"/suivi/periodes/{period['id']}/rapports/BFA/")
        page.goto(report_url)
        lines = page.locator("fieldset.report-line")
        partnered = lines.filter(has_text="partenaire").first
        partnered_id = partnered.get_attribute("id")
        assert partnered_id
        for index in range(lines.count()):
            line = lines.nth(index)
            if line.get_attribute("id") == partnered_id:
                line.locator("select[name$='-status']").select_option("on_track")
                line.locator("input[name$='-percent_complete']").fill("40")
                line.locator("textarea[name$='-narrative']").fill("Exercice conjoint préparé")
            else:  # the actions Burkina Faso leads: done
                line.locator("select[name$='-status']").select_option("done")
                line.locator("input[name$='-percent_complete']").fill("100")
        page.get_by_role("button", name="Enregistrer et soumettre le rapport complet").click()
        expect(page.locator(".page-header strong")).to_have_text("Soumis")

    action_uid = partnered_id.removeprefix("line-")
    with logged_in(browser, instance, "secretariat") as page:
        page.goto(dashboard)
        before = _lead_figure(page, "Burkina Faso")  # Burkina Faso's T4 report is not counted
        page.goto(report_url)
        page.get_by_role("link", name="Voir le rapport").click()
        page.locator(f"textarea[name='{action_uid}-review_comment']").fill(
            "Préciser le taux de participation"
        )
        page.locator("select[name=decision]").select_option("return")
        page.locator("textarea[name=reason]").fill("Une ligne à préciser")
        page.get_by_role("button", name="Enregistrer l'examen").click()
        expect(page.locator(".page-header strong")).to_have_text("Renvoyé pour correction")

    with logged_in(browser, instance, "pointfocal.bfa") as page:
        page.goto(report_url)
        line = page.locator(f"#line-{action_uid}")
        expect(line.locator(".review-comment")).to_contain_text("Préciser le taux de participation")
        line.locator("input[name$='-percent_complete']").fill("60")
        page.get_by_role("button", name="Enregistrer et soumettre le rapport complet").click()
        expect(page.locator(".page-header strong")).to_have_text("Soumis")

    with logged_in(browser, instance, "secretariat") as page:
        page.goto(report_url)
        page.get_by_role("link", name="Voir le rapport").click()
        page.locator("select[name=decision]").select_option("accept")
        page.get_by_role("button", name="Enregistrer l'examen").click()
        expect(page.locator(".page-header strong")).to_have_text("Accepté")
        # The dashboard moves: the actions Burkina Faso leads that its focal point sees are done
        # (its confidential ones keep their earlier figures).
        page.goto(dashboard)
        after = _lead_figure(page, "Burkina Faso")
        assert _percent(after) > _percent(before)
        # The partnered action's page shows Burkina Faso's corrected line.
        page.goto(instance.url(f"/suivi/plans/{plan['uid']}/actions/{action_uid}/"))
        expect(page.locator("main")).to_contain_text("60 %")
        # The quarterly report of T4 2025 shows the new figure.
        page.goto(dashboard)
        href = page.get_by_role("link", name="PDF", exact=True).get_attribute("href")
        assert href
        pdf = page.request.get(instance.url(href))
        assert pdf.status == 200
        text = " ".join(
            " ".join(sheet.extract_text().split())
            for sheet in PdfReader(io.BytesIO(pdf.body())).pages
        )
        assert re.search(rf"BFA Burkina Faso \d+ {re.escape(after)}", text), text[:2000]


def test_a_niger_focal_point_cannot_report_for_burkina_faso(
    browser: Browser, instance: Instance
) -> None:
    with logged_in(browser, instance, "pointfocal.ner") as page:
        listing = page.request.get(instance.url("/api/v1/plans/")).json()
        plan = conftest.demo_plan(listing)
        periods = page.request.get(
            instance.url(f"/api/v1/monitoring/plans/{plan['uid']}/periods")
        ).json()["periods"]
        period = next(item for item in periods if item["label"] == "T4 2025")
        response = page.goto(instance.url(f"/suivi/periodes/{period['id']}/rapports/BFA/"))
        assert response is not None
        # Refused, or (once Burkina Faso's report is accepted, which anyone may read) sent to
        # the read-only report: never a form.
        if response.status == 200:
            assert "/suivi/rapports/" in page.url
        else:
            assert response.status in (403, 404)
        expect(page.locator("select[name$='-status']")).to_have_count(0)
        expect(
            page.get_by_role("button", name="Enregistrer et soumettre le rapport complet")
        ).to_have_count(0)
        # Its own state's report is open to it.
        response = page.goto(instance.url(f"/suivi/periodes/{period['id']}/rapports/NER/"))
        assert response is not None
        assert response.status == 200
        expect(page.locator("fieldset.report-line").first).to_be_visible()
