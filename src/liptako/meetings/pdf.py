"""The minutes and decisions, and the communiqué, as PDF (WeasyPrint).

Pure renderers like ``exports.py``: what they show was decided by the selector that built
their input. Rendering goes through the project's one WeasyPrint set-up (``core.pdf``: data:
URIs only, system fonts, the marking escaped into the page margins; decision 0108).
"""

from __future__ import annotations

from django.utils import translation

from liptako.core.pdf import css_string, render_html_pdf
from liptako.meetings.exports import MinutesDocument, communique_blocks
from liptako.meetings.markdown import render_markdown
from liptako.meetings.models import Communique


def render_minutes_pdf(document: MinutesDocument) -> bytes:
    """The minutes and the list of decisions, marked at the top and bottom of every page."""
    language = translation.get_language() or "fr"
    context = {
        "document": document,
        "language": language,
        "marking_css": css_string(document.marking),
        "sections": [(item, render_markdown(body)) for item, body in document.sections],
    }
    return render_html_pdf("meetings/pdf/minutes.html", context, language)


def render_communique_pdf(communique: Communique, *, marking: str) -> bytes:
    """The communiqué in its own language, with its (public) marking on every page."""
    context = {
        "communique": communique,
        "blocks": communique_blocks(communique),
        "marking_css": css_string(marking),
    }
    return render_html_pdf("meetings/pdf/communique.html", context, communique.language)
