"""The signed bundle with the version's PDF, the PDF kept on disk, and the links to the
documents on the plan and version pages."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pypdf
import pytest

from liptako.core.canonical import sha256_hex
from liptako.documents import rendered
from liptako.validation import services as validation_services
from liptako.validation.offline import MANIFEST, build_bundle, verify_bundle

pytestmark = pytest.mark.django_db


def bundle_url(plan, number: int) -> str:
    return f"/documents/plans/{plan.uid}/versions/{number}/paquet.zip"


def files_of(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def rezip(files: dict[str, bytes]) -> bytes:
    """The files zipped again as they are (the manifest untouched)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def bundle(client, validated_version, small_plan, secretariat) -> bytes:
    client.force_login(secretariat)
    response = client.get(bundle_url(small_plan.plan, validated_version.number))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    return response.content


def test_the_bundle_holds_the_pdf_of_the_version_listed_in_the_manifest(
    bundle, validated_version
) -> None:
    files = files_of(bundle)
    pdf = files["plan.pdf"]
    manifest = {entry["path"]: entry for entry in json.loads(files[MANIFEST])["files"]}
    assert manifest["plan.pdf"]["sha256"] == sha256_hex(pdf)
    assert manifest["plan.pdf"]["size"] == len(pdf)
    text = pdf_text(pdf)
    assert validated_version.digest in text.replace(" ", "").replace("\n", "")
    assert "Validation" in text
    assert len([name for name in files if name.startswith("statements/")]) == 3
    report = verify_bundle(bundle)
    assert report.ok, report.lines()
    assert any(line.startswith("OK   plan.pdf: SHA-256") for line in report.lines())


def test_one_changed_byte_of_the_pdf_is_detected_and_named(bundle, tmp_path: Path) -> None:
    files = files_of(bundle)
    pdf = bytearray(files["plan.pdf"])
    pdf[len(pdf) // 2] ^= 0x01
    files["plan.pdf"] = bytes(pdf)
    (tmp_path / "bad.zip").write_bytes(rezip(files))
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-m", "liptako", "verify", "bad.zip"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "FAIL plan.pdf: its SHA-256 differs from the manifest" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("VERDICT: INVALID")
    # The signatures themselves still hold: only the document is named.
    assert "OK   statements/" in result.stdout


def test_a_pdf_replaced_by_something_else_is_refused_even_with_a_new_manifest(bundle) -> None:
    files = files_of(bundle)
    files["plan.pdf"] = b"<html>not the plan</html>"
    tampered = build_bundle({k: v for k, v in files.items() if k != MANIFEST})
    report = verify_bundle(tampered)
    assert not report.ok
    assert "FAIL plan.pdf: is not a PDF file" in report.lines()


def test_the_english_bundle_holds_the_english_pdf(
    client, validated_version, small_plan, secretariat
) -> None:
    client.force_login(secretariat)
    response = client.get(bundle_url(small_plan.plan, validated_version.number) + "?lang=en")
    assert "Contents" in pdf_text(files_of(response.content)["plan.pdf"])


def test_a_reader_who_may_not_see_the_whole_version_gets_no_bundle(
    client, validated_version, small_plan, observer, outsider, own_home: Path
) -> None:
    client.force_login(observer)  # NP clearance: the plan holds DR and C actions
    response = client.get(bundle_url(small_plan.plan, validated_version.number))
    assert response.status_code == 403
    assert not (own_home / "cache").exists()  # nothing rendered, nothing kept
    client.force_login(outsider)
    assert client.get(bundle_url(small_plan.plan, validated_version.number)).status_code == 404
    client.logout()
    response = client.get(bundle_url(small_plan.plan, validated_version.number))
    assert response.status_code == 302
    assert "/comptes/" in response["Location"]


def test_the_old_bundle_address_leads_to_the_bundle(
    client, validated_version, small_plan, secretariat
) -> None:
    client.force_login(secretariat)
    old = f"/validation/plans/{small_plan.plan.uid}/versions/1/paquet.zip?lang=en"
    response = client.get(old)
    assert response.status_code == 302
    assert response["Location"] == bundle_url(small_plan.plan, 1) + "?lang=en"


def test_the_pdf_of_a_version_is_rendered_once_and_reused_by_the_bundle(
    client, validated_version, small_plan, secretariat, monkeypatch, own_home: Path
) -> None:
    calls: list[str] = []
    render = rendered.render_plan_pdf

    def counting(report):
        calls.append(report.language)
        return render(report)

    monkeypatch.setattr(rendered, "render_plan_pdf", counting)
    client.force_login(secretariat)
    pdf_url = f"/documents/plans/{small_plan.plan.uid}/versions/1/plan.pdf"
    first = client.get(pdf_url).content
    assert client.get(pdf_url).content == first
    bundle = client.get(bundle_url(small_plan.plan, 1)).content
    assert files_of(bundle)["plan.pdf"] == first
    assert calls == ["fr"]
    assert len(list((own_home / "cache" / "documents").glob("*.pdf"))) == 1
    # Another language, or a new decision on the version, is another document.
    client.get(pdf_url + "?lang=en")
    validation_services.version_submit(version=validated_version, actor=secretariat)
    after = client.get(pdf_url).content
    assert calls == ["fr", "en", "fr"]
    assert after != first


def test_the_draft_pdf_is_never_kept(client, small_plan, secretariat, own_home: Path) -> None:
    client.force_login(secretariat)
    response = client.get(f"/documents/plans/{small_plan.plan.uid}/brouillon/plan.pdf")
    assert response.status_code == 200
    assert not (own_home / "cache").exists()


def test_the_bundle_takes_a_constant_number_of_queries(
    client, validated_version, small_plan, secretariat, django_assert_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(secretariat)
    client.get(bundle_url(small_plan.plan, 1))  # warm the session
    with CaptureQueriesContext(connection) as three:
        assert client.get(bundle_url(small_plan.plan, 1)).status_code == 200
    validation_services.version_submit(version=validated_version, actor=secretariat)
    with django_assert_num_queries(len(three.captured_queries)):
        assert client.get(bundle_url(small_plan.plan, 1)).status_code == 200


def test_the_version_page_links_its_documents_and_the_validation_page(
    client, validated_version, small_plan, secretariat, expert_mli
) -> None:
    plan = small_plan.plan
    base = f"/documents/plans/{plan.uid}/versions/1/"
    client.force_login(secretariat)
    page = client.get(f"/plans/{plan.uid}/versions/1/").content.decode()
    for link in (
        base + "plan.pdf",
        base + "plan.docx",
        base + "paquet.zip",
        f"/validation/plans/{plan.uid}/",
        base + "lettre-de-transmission.pdf",
        base + "lettre-de-transmission.docx",
    ):
        assert f'href="{link}"' in page
    client.force_login(expert_mli)  # not the secretariat: no letter
    page = client.get(f"/plans/{plan.uid}/versions/1/").content.decode()
    assert f'href="{base}plan.pdf"' in page
    assert "lettre-de-transmission" not in page


def test_a_version_not_validated_links_no_letter_and_no_bundle(
    client, version, small_plan, secretariat
) -> None:
    client.force_login(secretariat)
    page = client.get(f"/plans/{small_plan.plan.uid}/versions/1/").content.decode()
    assert f'href="/documents/plans/{small_plan.plan.uid}/versions/1/plan.pdf"' in page
    assert "paquet.zip" not in page
    assert "lettre-de-transmission" not in page


def test_the_plan_page_links_the_draft_documents(client, small_plan, expert_mli) -> None:
    client.force_login(expert_mli)
    page = client.get(f"/plans/{small_plan.plan.uid}/").content.decode()
    base = f"/documents/plans/{small_plan.plan.uid}/brouillon/"
    assert f'href="{base}plan.pdf"' in page
    assert f'href="{base}plan.docx"' in page
    assert f'href="/validation/plans/{small_plan.plan.uid}/"' in page
