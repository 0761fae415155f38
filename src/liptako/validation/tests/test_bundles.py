"""The signed bundle and its verification (offline and through the API): every tampering
is detected and named."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from liptako.accounts.models import User
from liptako.core.canonical import canonical_json, sha256_hex
from liptako.validation import services
from liptako.validation.bundles import bundle_export, bundle_files
from liptako.validation.models import VersionState
from liptako.validation.offline import MANIFEST, build_bundle, verify_bundle
from liptako.validation.tests.conftest import Signer, approve


def _files(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(files: dict[str, bytes], *, remanifest: bool) -> bytes:
    """Rebuild the zip: with ``remanifest`` the tamperer also fixes the manifest."""
    if remanifest:
        return build_bundle({k: v for k, v in files.items() if k != MANIFEST})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def _problems(bundle: bytes) -> str:
    report = verify_bundle(bundle)
    assert not report.ok
    return "\n".join(report.lines())


@pytest.fixture
def bundle(validated: VersionState) -> bytes:
    return bundle_export(validated.version)


def test_a_validated_version_exports_a_bundle_that_verifies(
    bundle: bytes, validated: VersionState
) -> None:
    files = _files(bundle)
    assert files["plan.json"] == validated.version.canonical.encode()
    assert sha256_hex(files["plan.json"]) == validated.version.digest
    assert len([name for name in files if name.startswith("statements/")]) == 3
    assert len([name for name in files if name.startswith("keys/") and name.endswith(".pem")]) == 3
    manifest = json.loads(files[MANIFEST])
    assert {entry["path"] for entry in manifest["files"]} == set(files) - {MANIFEST}
    report = verify_bundle(bundle)
    assert report.ok, report.lines()
    assert report.lines()[-1].startswith("VERDICT: VALID")
    assert sum(line.startswith("OK   statements/") for line in report.lines()) == 3


def test_an_extra_file_is_just_another_manifest_entry(validated: VersionState) -> None:
    files = bundle_files(validated.version, extra_files={"plan.pdf": b"%PDF-1.7 ..."})
    assert verify_bundle(build_bundle(files)).ok


def test_changing_one_byte_of_the_plan_is_detected(bundle: bytes) -> None:
    files = _files(bundle)
    files["plan.json"] = _flip(files["plan.json"], 40)
    assert "plan.json: its SHA-256 differs from the manifest" in _problems(
        _rezip(files, remanifest=False)
    )
    lines = _problems(_rezip(files, remanifest=True))
    assert "plan.json" in lines
    assert "the plan was changed" in lines or "digest" in lines


def test_changing_one_byte_of_a_statement_is_detected(bundle: bytes) -> None:
    files = _files(bundle)
    name = sorted(n for n in files if n.startswith("statements/"))[0]
    files[name] = files[name].replace(b'"version":1', b'"version":7')
    assert f"{name}: its SHA-256 differs" in _problems(_rezip(files, remanifest=False))
    lines = _problems(_rezip(files, remanifest=True))
    assert f"FAIL {name}" in lines
    assert "signature does not match" in lines


def test_changing_one_byte_of_a_signature_is_detected(bundle: bytes) -> None:
    files = _files(bundle)
    name = sorted(n for n in files if n.startswith("signatures/"))[1]
    files[name] = _flip(files[name], 10)
    statement = name.replace("signatures/", "statements/").replace(".sig", ".json")
    lines = _problems(_rezip(files, remanifest=True))
    assert f"FAIL {statement}" in lines
    assert "signature does not match" in lines


def test_changing_one_byte_of_a_key_is_detected(bundle: bytes) -> None:
    files = _files(bundle)
    name = sorted(n for n in files if n.startswith("keys/") and n.endswith(".pem"))[0]
    pem = files[name].decode()
    body = pem.splitlines()
    body[1] = body[1][:-6] + ("A" if body[1][-6] != "A" else "B") + body[1][-5:]
    files[name] = ("\n".join(body) + "\n").encode()
    assert f"{name}: its SHA-256 differs" in _problems(_rezip(files, remanifest=False))
    lines = _problems(_rezip(files, remanifest=True))
    assert name in lines


def test_dropping_one_states_approval_fails_the_quorum(bundle: bytes) -> None:
    files = _files(bundle)
    index = json.loads(files["signatures.json"])
    dropped = next(entry for entry in index if "-NER-" in entry["statement"])
    del files[dropped["statement"]], files[dropped["signature"]]
    files["signatures.json"] = canonical_json([e for e in index if e is not dropped])
    lines = _problems(_rezip(files, remanifest=True))
    assert "quorum: not met, missing 1 approval(s) by validator of NER" in lines


def test_replaying_a_statement_of_another_version_is_detected(
    validated: VersionState, signers: dict[str, Signer], secretariat: User
) -> None:
    plan = validated.plan
    services.version_submit(version=validated.version, actor=secretariat)
    # A later round: version 2 (the authority returned the plan; here, a revision path).
    from liptako.validation.models import VersionStatus

    VersionState.objects.filter(pk=validated.pk).update(status=VersionStatus.RETURNED)
    plan.__class__.objects.filter(pk=plan.pk).update(status="drafting")
    plan.refresh_from_db()
    second = services.validation_open(plan=plan, actor=secretariat)
    approve(signers["MLI"], second.version)
    files_v1 = _files(bundle_export(validated.version))
    files_v2 = _files(bundle_export(second.version))
    # Put Mali's signed statement of version 2 in the place of its statement of version 1.
    name_v1 = next(n for n in files_v1 if n.startswith("statements/") and "-MLI-" in n)
    name_v2 = next(n for n in files_v2 if n.startswith("statements/") and "-MLI-" in n)
    files_v1[name_v1] = files_v2[name_v2]
    files_v1[name_v1.replace("statements/", "signatures/").replace(".json", ".sig")] = files_v2[
        name_v2.replace("statements/", "signatures/").replace(".json", ".sig")
    ]
    lines = _problems(_rezip(files_v1, remanifest=True))
    assert f"FAIL {name_v1}" in lines
    assert "names version 2, not 1" in lines


def test_liptako_verify_runs_without_django_and_exits_0_only_when_valid(
    bundle: bytes, tmp_path: Path
) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    (tmp_path / "good.zip").write_bytes(bundle)
    files = _files(bundle)
    files["plan.json"] = _flip(files["plan.json"], 5)
    (tmp_path / "bad.zip").write_bytes(_rezip(files, remanifest=False))
    good = subprocess.run(
        [sys.executable, "-m", "liptako", "verify", "good.zip"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.strip().splitlines()[-1].startswith("VERDICT: VALID")
    bad = subprocess.run(
        [sys.executable, "-m", "liptako", "verify", "bad.zip"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert "VERDICT: INVALID" in bad.stdout


def test_a_bundle_that_is_not_a_zip_is_refused() -> None:
    report = verify_bundle(b"not a zip")
    assert not report.ok
    assert "not a readable zip" in "\n".join(report.lines())
