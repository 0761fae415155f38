"""PDF documents (WeasyPrint): a report or a letter in, the PDF's bytes out.

Nothing is fetched while rendering: images are ``data:`` URIs and the fonts are the system's
(DejaVu); any other URL is refused.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from liptako.documents.reports import PlanReport, TransmissionLetter


@dataclass(frozen=True)
class _Figure:
    year: int
    part: int
    parts: int
    uri: str


def css_string(text: str) -> SafeString:
    """``text`` as the inside of a double-quoted CSS string (for margin boxes)."""
    out = []
    for char in text:
        if char in "\"'&\\<>" or ord(char) < 32:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return mark_safe("".join(out))  # noqa: S308 - every special character is escaped above


def qr_data_uri(text: str) -> str:
    return str(segno.make(text, error="m").svg_data_uri(scale=4, border=2))


def _pdf(template: str, context: dict[str, Any], language: str) -> bytes:
    with translation.override(language):
        html = render_to_string(template, context)
    # data: URIs only: a document never reaches the network or the file system.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    document = HTML(string=html, url_fetcher=fetcher)
    return bytes(document.write_pdf())


def render_plan_pdf(report: PlanReport) -> bytes:
    """The plan document: cover, contents, tables, roadmap, validation page with QR code."""
    roadmap = [
        _Figure(
            year=part.year,
            part=part.part,
            parts=part.parts,
            uri="data:image/svg+xml;base64,"
            + base64.b64encode(part.svg.encode("utf-8")).decode("ascii"),
        )
        for part in report.roadmap
    ]
    context = {
        "report": report,
        "marking_css": css_string(report.marking.label),
        "roadmap": roadmap,
        "qr_uri": qr_data_uri(report.digest) if report.digest else "",
    }
    return _pdf("documents/plan_report.html", context, report.language)


def render_letter_pdf(letter: TransmissionLetter) -> bytes:
    """The transmission letter, marked at the top and bottom of every page."""
    context = {"letter": letter, "marking_css": css_string(letter.marking.label)}
    return _pdf("documents/transmission_letter.html", context, letter.language)
