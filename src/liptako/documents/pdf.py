"""PDF documents (WeasyPrint): a report or a letter in, the PDF's bytes out.

Nothing is fetched while rendering: images are ``data:`` URIs and the fonts are the system's
(DejaVu); any other URL is refused.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import segno

from liptako.core.pdf import css_string, render_html_pdf
from liptako.documents.reports import PlanReport, TransmissionLetter


@dataclass(frozen=True)
class _Figure:
    year: int
    part: int
    parts: int
    uri: str


def qr_data_uri(text: str) -> str:
    return str(segno.make(text, error="m").svg_data_uri(scale=4, border=2))


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
    return render_html_pdf("documents/plan_report.html", context, report.language)


def render_letter_pdf(letter: TransmissionLetter) -> bytes:
    """The transmission letter, marked at the top and bottom of every page."""
    context = {"letter": letter, "marking_css": css_string(letter.marking.label)}
    return render_html_pdf("documents/transmission_letter.html", context, letter.language)
