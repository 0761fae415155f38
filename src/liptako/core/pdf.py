"""The project's one WeasyPrint set-up: a template and its context in, the PDF's bytes out.

Used by every app that prints (the plan's documents, minutes and communiqués, quarterly
reports). Nothing is fetched while rendering: images are ``data:`` URIs and the fonts are the
system's (DejaVu); any other URL is refused, so a document never reaches the network or the
file system.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from weasyprint import HTML
from weasyprint.urls import URLFetcher


def css_string(text: str) -> SafeString:
    """``text`` as the inside of a double-quoted CSS string (for margin boxes)."""
    out = []
    for char in text:
        if char in "\"'&\\<>" or ord(char) < 32:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return mark_safe("".join(out))  # noqa: S308 - every special character is escaped above


def render_html_pdf(template: str, context: dict[str, Any], language: str) -> bytes:
    """Render ``template`` in ``language`` and lay it out as a PDF."""
    with translation.override(language):
        html = render_to_string(template, context)
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf())
