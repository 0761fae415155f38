"""The transmission letter (DOCX and PDF) and its template, edited by the secretariat."""

from __future__ import annotations

import io
import re

import docx
import pypdf
import pytest

from liptako.audit.models import AuditEvent
from liptako.documents.models import LetterKind, LetterTemplate
from liptako.documents.pdf import render_letter_pdf
from liptako.documents.selectors import transmission_letter_for_user
from liptako.documents.word import render_letter_docx

pytestmark = pytest.mark.django_db

TEMPLATE_URL = "/documents/modeles/lettre-de-transmission/"


def pdf_text(data: bytes) -> list[str]:
    return [
        re.sub(r"\s+", " ", page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(data)).pages
    ]


def test_the_letter_names_the_plan_the_digest_and_the_signatories(validated_version, secretariat):
    letter = transmission_letter_for_user(user=secretariat, version=validated_version)
    body = "\n".join(letter.paragraphs)

    assert "Plan d'action Défense et Sécurité 2025" in letter.subject
    assert validated_version.digest in body
    assert "Excellences" in body
    assert "validator.mli" in body or "Mali" in body
    assert body.count("\N{EN DASH} ") == 3  # one line per approving state


def test_the_letter_as_pdf_and_docx(validated_version, secretariat):
    letter = transmission_letter_for_user(user=secretariat, version=validated_version)

    pages = pdf_text(render_letter_pdf(letter))
    text = " ".join(pages)
    assert "Plan d'action Défense et Sécurité 2025" in text
    assert validated_version.digest in text.replace(" ", "")
    assert all(letter.marking.label in page for page in pages)

    document = docx.Document(io.BytesIO(render_letter_docx(letter)))
    paragraphs = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "Plan d'action Défense et Sécurité 2025" in paragraphs
    assert validated_version.digest in paragraphs
    for section in document.sections:
        assert letter.marking.label in section.header.paragraphs[0].text
        assert letter.marking.label in section.footer.paragraphs[0].text


def test_the_letter_follows_the_edited_template(client, validated_version, secretariat):
    template = LetterTemplate.objects.get(kind=LetterKind.TRANSMISSION)
    client.force_login(secretariat)
    response = client.post(
        TEMPLATE_URL,
        {
            "lock_version": template.lock_version,
            "subject": "Transmission — {plan_title}",
            "body": "Monsieur le Président,\n\nVeuillez trouver le plan {digest}.",
            "signature_block": "Le Secrétaire permanent",
        },
    )

    assert response.status_code == 302
    letter = transmission_letter_for_user(user=secretariat, version=validated_version)
    assert letter.subject == "Transmission — Plan d'action Défense et Sécurité 2025"
    assert letter.paragraphs == (
        "Monsieur le Président,",
        f"Veuillez trouver le plan {validated_version.digest}.",
    )
    assert AuditEvent.objects.filter(verb="letter_template.update").count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Le plan {titre}.", "Espace réservé inconnu"),
        ("Le plan {plan_title.", "accolades"),
    ],
)
def test_a_template_with_a_bad_placeholder_is_refused(client, secretariat, body, message):
    template = LetterTemplate.objects.get(kind=LetterKind.TRANSMISSION)
    client.force_login(secretariat)
    response = client.post(
        TEMPLATE_URL,
        {"lock_version": template.lock_version, "subject": "Objet", "body": body},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert LetterTemplate.objects.get(pk=template.pk).body == template.body


def test_a_stale_template_page_does_not_overwrite_a_newer_text(client, secretariat):
    template = LetterTemplate.objects.get(kind=LetterKind.TRANSMISSION)
    client.force_login(secretariat)
    data = {"lock_version": template.lock_version, "subject": "Objet", "signature_block": ""}
    assert client.post(TEMPLATE_URL, {**data, "body": "Premier texte."}).status_code == 302
    response = client.post(TEMPLATE_URL, {**data, "body": "Second texte."})

    assert response.status_code == 200
    assert "Rechargez la page" in response.content.decode()
    assert LetterTemplate.objects.get(pk=template.pk).body == "Premier texte."


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("expert_mli", 403),
        ("validator_bfa", 403),
        ("observer", 403),
        ("outsider", 403),
    ],
)
def test_only_the_secretariat_edits_the_template(client, request, persona, status):
    template = LetterTemplate.objects.get(kind=LetterKind.TRANSMISSION)
    client.force_login(request.getfixturevalue(persona))

    assert client.get(TEMPLATE_URL).status_code == status
    response = client.post(
        TEMPLATE_URL, {"lock_version": template.lock_version, "subject": "x", "body": "y"}
    )
    assert response.status_code == status
    assert LetterTemplate.objects.get(pk=template.pk).body == template.body


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(TEMPLATE_URL)

    assert response.status_code == 302
    assert "/comptes/" in response["Location"]


def test_the_template_page_shows_the_default_french_text(client, secretariat):
    client.force_login(secretariat)
    page = client.get(TEMPLATE_URL).content.decode()

    assert "Modèle de la lettre de transmission" in page
    assert "haute considération" in page
