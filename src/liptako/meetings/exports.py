"""Exports: the communiqué (plain text, DOCX), the minutes and decisions (DOCX).

Pure renderers, bytes out; what they show is decided by the selectors that build their input.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from docx import Document
from docx.shared import Pt

from liptako.meetings.models import Communique


def communique_text(communique: Communique) -> str:
    """The communiqué as plain text: title, body, source line."""
    parts = [communique.title, "", communique.body.strip(), "", communique.source]
    return "\n".join(parts).strip() + "\n"


@dataclass(frozen=True)
class CommuniqueBlock:
    """A paragraph of the communiqué, and the bulleted lines (“- …”) that follow it."""

    text: str
    items: tuple[str, ...] = ()


def communique_blocks(communique: Communique) -> list[CommuniqueBlock]:
    """The body split into paragraphs (blank lines) and their bullet lists."""
    blocks = []
    for paragraph in communique.body.strip().split("\n\n"):
        lines = paragraph.split("\n")
        if len(lines) > 1 and all(line.startswith("- ") for line in lines[1:]):
            blocks.append(CommuniqueBlock(lines[0], tuple(line[2:] for line in lines[1:])))
        else:
            blocks.append(CommuniqueBlock(paragraph.replace("\n", " ")))
    return blocks


def communique_docx(communique: Communique, *, marking: str) -> bytes:
    """The communiqué as a Word document, with its marking at the top and bottom."""
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = marking
    section.footer.paragraphs[0].text = marking
    document.add_heading(communique.title, level=1)
    for block in communique_blocks(communique):
        document.add_paragraph(block.text)
        for item in block.items:
            document.add_paragraph(item, style="List Bullet")
    source = document.add_paragraph(communique.source)
    source.runs[0].italic = True
    source.runs[0].font.size = Pt(10)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class MinutesDocument:
    """What the minutes export shows a reader: built by a selector, scoped to that reader."""

    marking: str
    title: str
    when: str
    where: str
    chair: str
    status: str
    digest: str
    delegations: list[tuple[str, list[str]]]
    sections: list[tuple[str, str]]  # (agenda item, Markdown)
    decisions: list[tuple[str, str, str]]  # (reference and kind, text, follow-up)
    labels: dict[str, str] = field(default_factory=dict)


_INLINE = re.compile(r"(\*\*[^*]+\*\*|\*[^*]+\*)")


def _add_markdown_runs(paragraph: Any, text: str) -> None:
    """Bold (``**x**``) and italic (``*x*``) runs; everything else as plain text."""
    for part in _INLINE.split(text):
        if not part:
            continue
        if part.startswith("**") and part.endswith("**"):
            paragraph.add_run(part[2:-2]).bold = True
        elif part.startswith("*") and part.endswith("*") and len(part) > 1:
            paragraph.add_run(part[1:-1]).italic = True
        else:
            paragraph.add_run(part)


def _add_markdown(document: Any, text: str) -> None:
    for block in text.strip().split("\n\n"):
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.lstrip().startswith(("- ", "* ")) for line in lines):
            for line in lines:
                _add_markdown_runs(document.add_paragraph(style="List Bullet"), line.lstrip()[2:])
        elif lines[0].startswith("#"):
            document.add_heading(lines[0].lstrip("#").strip(), level=3)
            if lines[1:]:
                _add_markdown_runs(document.add_paragraph(), " ".join(lines[1:]))
        else:
            _add_markdown_runs(document.add_paragraph(), " ".join(lines))


def minutes_docx(report: MinutesDocument) -> bytes:
    """The minutes and the list of decisions, with the marking at the top and bottom."""
    labels = report.labels
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = report.marking
    section.footer.paragraphs[0].text = report.marking
    document.add_heading(report.title, level=1)
    for label, value in (
        (labels.get("when", ""), report.when),
        (labels.get("where", ""), report.where),
        (labels.get("chair", ""), report.chair),
        (labels.get("status", ""), report.status),
        (labels.get("digest", ""), report.digest),
    ):
        if value:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{label} ").bold = True
            paragraph.add_run(value)
    document.add_heading(labels.get("delegations", ""), level=2)
    for state, members in report.delegations:
        document.add_paragraph(state).runs[0].bold = True
        for member in members:
            document.add_paragraph(member, style="List Bullet")
    document.add_heading(labels.get("minutes", ""), level=2)
    for item, body in report.sections:
        document.add_heading(item, level=3)
        _add_markdown(document, body)
    document.add_heading(labels.get("decisions", ""), level=2)
    for reference, text, follow_up in report.decisions:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{reference} — ").bold = True
        paragraph.add_run(text)
        if follow_up:
            document.add_paragraph(follow_up, style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
