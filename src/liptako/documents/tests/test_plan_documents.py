"""The plan as PDF and DOCX: cover, tables, marking on every page, validation, redaction."""

from __future__ import annotations

import io
import re

import docx
import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liptako.documents.pdf import render_plan_pdf
from liptako.documents.selectors import draft_report_for_user, version_report_for_user
from liptako.documents.word import render_plan_docx
from liptako.plans import services as plan_services
from liptako.plans.tests.conftest import make_actions

pytestmark = pytest.mark.django_db


def pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF")
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def docx_text(data: bytes) -> tuple[str, list[str]]:
    """(body text including tables, header and footer texts of every section)."""
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    margins = []
    for section in document.sections:
        margins.append(" ".join(p.text for p in section.header.paragraphs))
        margins.append(" ".join(p.text for p in section.footer.paragraphs))
    return "\n".join(parts), margins


def test_the_pdf_of_a_version_has_cover_tables_and_the_marking_on_every_page(
    version, secretariat, small_plan
):
    report = version_report_for_user(user=secretariat, version=version)
    pages = pdf_pages(render_plan_pdf(report))
    text = flat(" ".join(pages))

    assert report.marking.code == "C"  # the highest marking in the document
    assert len(pages) >= 4
    for page in pages:
        assert flat(page).count(report.marking.label) >= 2  # top and bottom of the page
    assert "Plan d'action Défense et Sécurité 2025" in text
    assert "Version 1" in text
    assert version.digest in text.replace(" ", "")
    assert "Table des matières" in text or "Sommaire" in text
    assert "1 250 000 FCFA" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "Harmoniser les procédures de transmission" in text
    assert "Plan de fréquences partagé" in text
    assert "Feuille de route" in text


def test_the_pdf_for_a_reader_below_the_marking_never_shows_the_hidden_titles(
    version, observer, small_plan
):
    report = version_report_for_user(user=observer, version=version)
    pages = pdf_pages(render_plan_pdf(report))
    text = flat(" ".join(pages))

    assert small_plan.action_dr.title not in text
    assert small_plan.action_c.title not in text
    assert small_plan.action_np.title in text
    assert report.marking.code == "NP"
    assert small_plan.action_dr.code in text  # the row stays, with its code and marking
    for page in pages:
        assert flat(page).count(report.marking.label) >= 2


def test_the_validation_page_lists_the_signers_states_and_key_fingerprints(
    validated_version, secretariat
):
    report = version_report_for_user(user=secretariat, version=validated_version)
    text = flat(" ".join(pdf_pages(render_plan_pdf(report))))

    assert len(report.decisions) == 3
    for decision in report.decisions:
        assert decision.signer_name in text
        assert decision.key_fingerprint in text.replace(" ", "")
    for state in ("Mali", "Burkina Faso", "Niger"):
        assert state in text
    assert report.decisions[0].decision == "Valider"
    assert "Valider" in text


def test_the_pdf_is_in_english_on_request(version, secretariat):
    report = version_report_for_user(user=secretariat, version=version, language="en")
    text = flat(" ".join(pdf_pages(render_plan_pdf(report))))

    assert "Contents" in text
    assert "Roadmap" in text
    assert report.marking.label in text


def test_the_pdf_of_the_live_draft_says_it_is_not_frozen(small_plan, secretariat):
    report = draft_report_for_user(user=secretariat, plan=small_plan.plan)
    text = flat(" ".join(pdf_pages(render_plan_pdf(report))))

    assert report.is_draft
    assert "pas une version figée" in text


def test_the_docx_has_the_same_content_and_the_marking_in_header_and_footer(
    validated_version, secretariat, small_plan
):
    report = version_report_for_user(user=secretariat, version=validated_version)
    body, margins = docx_text(render_plan_docx(report))

    assert all(report.marking.label in margin for margin in margins)
    assert report.plan_title in body
    assert validated_version.digest in body
    assert small_plan.action_dr.title in body
    assert "1 250 000 FCFA" in body.replace("\u202f", " ").replace("\xa0", " ")
    for decision in report.decisions:
        assert decision.signer_name in body
        assert decision.key_fingerprint in body


def test_the_docx_for_a_reader_below_the_marking_never_shows_the_hidden_titles(
    version, observer, small_plan
):
    body, margins = docx_text(
        render_plan_docx(version_report_for_user(user=observer, version=version))
    )

    assert small_plan.action_dr.title not in body
    assert small_plan.action_np.title in body
    assert all("Non protégé" in margin or "NP" in margin for margin in margins)


def test_the_report_is_built_in_a_constant_number_of_queries(small_plan, secretariat):
    version = plan_services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    with CaptureQueriesContext(connection) as small:
        version_report_for_user(user=secretariat, version=version)
    make_actions(small_plan.plan, small_plan.objective12, 60)
    larger = plan_services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    with CaptureQueriesContext(connection) as large:
        report = version_report_for_user(user=secretariat, version=larger)

    assert report.action_count == 63
    assert len(large.captured_queries) == len(small.captured_queries)


def test_every_action_and_indicator_of_a_larger_plan_is_in_the_pdf_and_its_roadmap(
    small_plan, secretariat
):
    """One block per action (decision 0205): nothing is lost, and each roadmap slice (bars
    labelled by code) fits whole on its landscape page, legend included."""
    make_actions(small_plan.plan, small_plan.objective12, 60)
    version = plan_services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    report = version_report_for_user(user=secretariat, version=version)
    reader = pypdf.PdfReader(io.BytesIO(render_plan_pdf(report)))
    portrait, landscape = [], []
    for page in reader.pages:
        box = page.mediabox
        (landscape if box.width > box.height else portrait).append(flat(page.extract_text()))
    body, roadmap = " ".join(portrait), " ".join(landscape)
    actions = [
        action
        for axis in report.axes
        for objective in axis.objectives
        for action in objective.actions
    ]

    assert len(actions) == 63
    for action in actions:
        code = rf"(?<![\w.]){re.escape(action.code)}(?![\w.])"
        assert re.search(code, body), action.code
        assert re.search(code, roadmap), action.code  # its bar's label
        for indicator in action.indicators:
            assert re.search(rf"(?<![\w.]){re.escape(indicator.code)}(?![\w.])", body)
    assert "Harmoniser les procédures de transmission" in body
    assert len(report.roadmap) == 3  # 63 rows, 25 per slice
    for part in report.roadmap:
        caption = f"{part.year} — {part.part}/{part.parts}"
        pages = [page for page in landscape if caption in page]
        rows = actions[(part.part - 1) * 25 : part.part * 25]
        assert len(pages) == 1  # the caption under the image, on the image's page
        assert rows[0].code in pages[0]
        assert rows[-1].code in pages[0]
        assert "État pilote" in pages[0]  # the legend, under the last bar
