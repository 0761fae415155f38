"""The PDF of a frozen version, rendered once and kept on disk (decision 0121).

A frozen version never changes, so its PDF depends only on what the report holds (the
version's content as the reader may see it, the recorded decisions, the language) and on the
layout (template, style sheet, WeasyPrint). The file is named after the SHA-256 of all of
that, under ``LIPTAKO_HOME/cache/documents/``: a download, the bundle and the next reader
with the same view of the plan reuse it; any new decision, another redaction, another
language or a new layout gives another name. The live draft is never cached (it changes).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import weasyprint
from django.conf import settings
from django.template.loader import get_template

from liptako.documents.pdf import render_plan_pdf
from liptako.documents.reports import PlanReport

TEMPLATES = ("documents/plan_report.html", "documents/plan_report.css")
# The cover says when the document was first generated; it does not change what is shown.
_FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def cache_directory() -> Path:
    return Path(settings.LIPTAKO_HOME) / "cache" / "documents"


@cache
def _layout_fingerprint() -> str:
    """What the layout depends on besides the report: the templates' sources and WeasyPrint."""
    digest = hashlib.sha256(weasyprint.__version__.encode("ascii"))
    for name in TEMPLATES:
        origin = get_template(name).origin  # type: ignore[attr-defined]
        digest.update(Path(origin.name).read_bytes())
    return digest.hexdigest()


def report_key(report: PlanReport) -> str:
    """SHA-256 of everything the PDF of ``report`` shows, and of its layout."""
    shown = dataclasses.replace(report, generated_at=_FIXED_TIME)
    digest = hashlib.sha256(_layout_fingerprint().encode("ascii"))
    digest.update(repr(shown).encode("utf-8"))  # frozen dataclasses: a complete, stable repr
    return digest.hexdigest()


def cached_pdf_path(report: PlanReport) -> Path | None:
    """Where the PDF of ``report`` is kept, or None for the live draft (never cached)."""
    if report.is_draft:
        return None
    return cache_directory() / f"{report_key(report)}.pdf"


def plan_pdf(report: PlanReport) -> bytes:
    """The PDF of ``report``: read from the cache for a frozen version, else rendered (and
    kept, for a frozen version). Two requests at once may both render; the second write
    replaces the first with the same bytes' equivalent (atomic rename, never a torn file)."""
    path = cached_pdf_path(report)
    if path is None:
        return render_plan_pdf(report)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    pdf = render_plan_pdf(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(pdf)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise
    return pdf
