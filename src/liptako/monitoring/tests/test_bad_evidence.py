"""Damaged evidence files fed to the report page's upload (issue #7, bad input; hypothesis).

Random bytes, files whose first bytes are cut or do not match their extension, real PDF, PNG,
JPEG and office headers under the right or the wrong name, a Content-Type that lies, names
with path separators, NUL, control characters, hundreds of characters or odd Unicode, empty
files: never a 500. A refused file leaves nothing behind (no row, no audit event, no file under
the evidence folder) and the page says why, in French. An accepted file is stored under its
report's folder with a random name, and served back byte for byte to the reporter, and to
nobody who may not read the report. A body over the limit is refused from its
``Content-Length`` before it is read. The number of examples comes from ``LIPTAKO_FUZZ_FILES``
(docs/security/bad-input.md). There is no API operation that takes evidence.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import quote

import time_machine
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.http.multipartparser import MAX_TOTAL_HEADER_SIZE, MultiPartParser
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liptako.audit.models import AuditEvent
from liptako.monitoring import services
from liptako.monitoring.models import Evidence

TODAY = dt.datetime(2025, 4, 20, 10, tzinfo=dt.UTC)
EXAMPLES = int(os.environ.get("LIPTAKO_FUZZ_FILES", "30"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
BOUNDARY = "liptakoFuzzBoundary7e3"

# What each kind of content starts with, and the extensions it may be sent under.
HEADS = {
    "pdf": (b"%PDF-1.7\n", {".pdf"}),
    "png": (b"\x89PNG\r\n\x1a\n", {".png"}),
    "jpeg": (b"\xff\xd8\xff\xe0", {".jpg", ".jpeg"}),
    "gif": (b"GIF89a", {".gif"}),
    "webp": (b"RIFF\x10\x00\x00\x00WEBPVP8 ", {".webp"}),
    "ooxml": (b"PK\x03\x04", {".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp"}),
    "ole": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", {".doc", ".xls", ".ppt"}),
}
EXTENSIONS = sorted({ext for _, exts in HEADS.values() for ext in exts} | {".exe", ".html", ""})
FRENCH_REFUSALS = (
    "Choisissez un fichier.",
    "Le fichier est vide.",
    "Ce type de fichier n'est pas accepté",
)


def part_header(name: str, content_type: str) -> bytes:
    """The file part's headers; the name in RFC 2231 form, so any character reaches Django."""
    return (
        b"Content-Disposition: form-data; name=\"file\"; filename*=UTF-8''"
        + quote(name, safe="").encode()
        + f"\r\nContent-Type: {content_type}".encode()
    )


def multipart(name: str, content: bytes, content_type: str) -> bytes:
    """The body a browser sends."""
    return b"".join(
        [
            f"--{BOUNDARY}\r\n".encode(),
            part_header(name, content_type),
            b"\r\n\r\n",
            content,
            f"\r\n--{BOUNDARY}--\r\n".encode(),
        ]
    )


def files_under(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


@st.composite
def evidence_files(draw: st.DrawFn) -> tuple[str, bytes, str, bool]:
    """(name, content, declared type, whether it must be accepted)."""
    kind = draw(st.sampled_from([*HEADS, "random", "cut", "empty"]), label="kind")
    extension = draw(st.sampled_from(EXTENSIONS), label="extension")
    if kind == "random":
        content = draw(st.binary(max_size=2000), label="content")
    elif kind == "empty":
        content = b""
    else:
        head = HEADS["pdf" if kind == "cut" else kind][0]
        if kind == "cut":  # a PDF header cut short
            head = head[: draw(st.integers(1, 4), label="cut")]
        content = head + draw(st.binary(max_size=2000), label="rest")
    stem = draw(
        st.one_of(
            st.just("preuve"),
            st.text(max_size=40),  # odd Unicode
            st.text(alphabet="ab./\\\x00\r\n\"';%&#", max_size=30),  # separators, NUL, quotes
            st.text(alphabet="éÀ漢字🙂a", min_size=60, max_size=600),  # very long
        ),
        label="stem",
    )
    name = stem + extension
    declared = draw(
        st.sampled_from(
            ["application/pdf", "image/png", "text/html", "application/octet-stream", "x/y"]
        ),
        label="content type",
    )
    # What Django keeps of the name (documented: path and non-printable characters removed).
    kept = MultiPartParser.sanitize_file_name(None, name)  # type: ignore[arg-type]
    suffix = Path(kept).suffix.lower() if kept else None
    accepted = (
        kept is not None
        and bool(content)
        and any(
            content.startswith(head) and suffix in extensions for head, extensions in HEADS.values()
        )
    )
    return name, content, declared, accepted


@time_machine.travel(TODAY, tick=False)
def test_the_report_page_survives_damaged_evidence_files(
    monitored, aes, focal_point_ner, focal_point_bfa
) -> None:
    report = services.report_open(
        period=monitored.q1, member_state=aes.niger, actor=focal_point_ner
    )
    url = f"/suivi/rapports/{report.uid}/preuves/"
    client = Client()
    client.force_login(focal_point_ner)
    stranger = Client()
    stranger.force_login(focal_point_bfa)  # another state: may not read this draft
    root = Path(django_settings.MEDIA_ROOT) / "evidence"
    stored = {"rows": Evidence.objects.count(), "events": AuditEvent.objects.count()}

    @FUZZ
    @given(upload=evidence_files())
    def check(upload: tuple[str, bytes, str, bool]) -> None:
        name, content, declared, accepted = upload
        files = files_under(root)
        response = client.post(
            url,
            multipart(name, content, declared),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
        )
        header_size = len(part_header(name, declared))
        if response.status_code == 400:
            # Django reads at most 1 KB of a part's headers, their separators included (a name
            # of hundreds of characters, percent-encoded): the whole form is unreadable, the
            # site's 400 page says so.
            assert header_size > MAX_TOTAL_HEADER_SIZE - 16, response.content
            assert "Ce qui a été envoyé n\u2019a pas pu être lu" in response.content.decode()
            assert Evidence.objects.count() == stored["rows"]
            assert AuditEvent.objects.count() == stored["events"]
            assert files_under(root) == files
            return
        assert header_size <= MAX_TOTAL_HEADER_SIZE, response.status_code
        assert response.status_code == 302, response.content
        # The messages this request added (earlier ones wait, unread, in the session).
        said = [str(m) for m in get_messages(response.wsgi_request)._queued_messages]  # type: ignore[attr-defined]
        if not accepted:
            assert len(said) == 1, said
            assert said[0].startswith(FRENCH_REFUSALS), said
            assert Evidence.objects.count() == stored["rows"]
            assert AuditEvent.objects.count() == stored["events"]
            assert files_under(root) == files
            return
        assert said == ["Fichier ajouté."]
        stored["rows"] += 1
        stored["events"] += 1
        assert Evidence.objects.count() == stored["rows"]
        assert AuditEvent.objects.count() == stored["events"]
        evidence = Evidence.objects.order_by("-id").first()
        assert evidence is not None
        (new_file,) = files_under(root) - files
        assert new_file.parent.name == str(report.uid)  # a random name in the report's folder
        assert new_file.read_bytes() == content
        served = client.get(f"/suivi/preuves/{evidence.uid}/")
        assert served.status_code == 200
        assert b"".join(served.streaming_content) == content
        assert stranger.get(f"/suivi/preuves/{evidence.uid}/").status_code == 404

    check()
    assert root.resolve() != Path(django_settings.STATIC_ROOT).resolve()
    assert not str(root.resolve()).startswith(str(Path(django_settings.STATIC_ROOT).resolve()))


@time_machine.travel(TODAY, tick=False)
def test_an_evidence_body_over_the_limit_is_refused_before_it_is_read(
    monitored, aes, focal_point_ner, settings
) -> None:
    settings.MONITORING_EVIDENCE_MAX_BYTES = 1024 * 1024
    report = services.report_open(
        period=monitored.q1, member_state=aes.niger, actor=focal_point_ner
    )
    client = Client()
    client.force_login(focal_point_ner)
    events = AuditEvent.objects.count()
    content = b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 64 * 1024)
    response = client.post(
        f"/suivi/rapports/{report.uid}/preuves/",
        multipart("preuve.pdf", content, "application/pdf"),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 413
    assert "Le fichier est trop volumineux : 1 Mo au plus." in response.content.decode()
    assert response.wsgi_request._read_started is False  # the body was never read
    assert not Evidence.objects.exists()
    assert AuditEvent.objects.count() == events
    assert not files_under(Path(settings.MEDIA_ROOT))
