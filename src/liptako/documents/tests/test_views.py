"""Downloads of the plan documents and the letter: who gets what."""

from __future__ import annotations

import io

import docx
import pypdf
import pytest

from liptako.plans import services as plan_services

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def url(plan, number: int | None, name: str) -> str:
    if number is None:
        return f"/documents/plans/{plan.uid}/brouillon/{name}"
    return f"/documents/plans/{plan.uid}/versions/{number}/{name}"


def test_a_reader_downloads_the_pdf_and_docx_of_a_version(client, version, small_plan, expert_mli):
    client.force_login(expert_mli)

    pdf = client.get(url(small_plan.plan, 1, "plan.pdf"))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert f"plan-v1-{version.digest[:12]}.pdf" in pdf["Content-Disposition"]
    assert version.digest in pdf_text(pdf.content).replace(" ", "").replace("\n", "")

    word = client.get(url(small_plan.plan, 1, "plan.docx"))
    assert word.status_code == 200
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert version.digest in body


def test_the_live_draft_is_downloadable_and_shows_later_changes(
    client, version, small_plan, secretariat
):
    plan_services.axis_create(plan=small_plan.plan, actor=secretariat, data={"title": "Logistique"})
    client.force_login(secretariat)

    text = pdf_text(client.get(url(small_plan.plan, None, "plan.pdf")).content)
    assert "Logistique" in text
    body = "\n".join(
        p.text
        for p in docx.Document(
            io.BytesIO(client.get(url(small_plan.plan, None, "plan.docx")).content)
        ).paragraphs
    )
    assert "Logistique" in body
    assert "Logistique" not in pdf_text(client.get(url(small_plan.plan, 1, "plan.pdf")).content)


def test_a_reader_below_a_marking_gets_the_redacted_pdf(client, version, small_plan, observer):
    client.force_login(observer)

    text = pdf_text(client.get(url(small_plan.plan, 1, "plan.pdf")).content)
    assert small_plan.action_dr.title not in text
    assert small_plan.action_np.title in text


def test_the_english_pdf_is_given_on_request(client, version, small_plan, secretariat):
    client.force_login(secretariat)

    text = pdf_text(client.get(url(small_plan.plan, 1, "plan.pdf") + "?lang=en").content)
    assert "Contents" in text


@pytest.mark.parametrize("name", ["plan.pdf", "plan.docx"])
def test_an_invisible_or_missing_plan_or_version_is_not_found(
    client, version, small_plan, outsider, secretariat, name
):
    client.force_login(outsider)
    assert client.get(url(small_plan.plan, 1, name)).status_code == 404
    assert client.get(url(small_plan.plan, None, name)).status_code == 404
    client.force_login(secretariat)
    assert client.get(url(small_plan.plan, 7, name)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, version, small_plan):
    for name in ("plan.pdf", "plan.docx", "lettre-de-transmission.pdf"):
        response = client.get(url(small_plan.plan, 1, name))
        assert response.status_code == 302
        assert "/comptes/" in response["Location"]


def test_the_secretariat_downloads_the_letter_of_a_validated_version(
    client, validated_version, small_plan, secretariat
):
    client.force_login(secretariat)

    pdf = client.get(url(small_plan.plan, validated_version.number, "lettre-de-transmission.pdf"))
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    assert small_plan.plan.title in text
    assert validated_version.digest in text.replace(" ", "").replace("\n", "")
    word = client.get(url(small_plan.plan, validated_version.number, "lettre-de-transmission.docx"))
    assert word.status_code == 200
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert small_plan.plan.title in body
    assert validated_version.digest in body


def test_there_is_no_letter_for_a_version_not_validated(client, version, small_plan, secretariat):
    client.force_login(secretariat)

    assert client.get(url(small_plan.plan, 1, "lettre-de-transmission.pdf")).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [("expert_mli", 403), ("validator_bfa", 403), ("observer", 403), ("outsider", 404)],
)
def test_only_the_secretariat_issues_the_letter(
    client, request, validated_version, small_plan, persona, status
):
    client.force_login(request.getfixturevalue(persona))

    for name in ("lettre-de-transmission.pdf", "lettre-de-transmission.docx"):
        response = client.get(url(small_plan.plan, validated_version.number, name))
        assert response.status_code == status


def test_the_live_draft_for_a_reader_below_a_marking_is_redacted(client, small_plan, observer):
    client.force_login(observer)

    text = pdf_text(client.get(url(small_plan.plan, None, "plan.pdf")).content)
    assert small_plan.action_dr.title not in text
    assert small_plan.action_np.title in text
    word = client.get(url(small_plan.plan, None, "plan.docx")).content
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(word)).paragraphs)
    tables = "\n".join(
        cell.text
        for table in docx.Document(io.BytesIO(word)).tables
        for row in table.rows
        for cell in row.cells
    )
    assert small_plan.action_dr.title not in body + tables
    assert small_plan.action_np.title in tables
