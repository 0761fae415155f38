"""Keys, signatures and bundles without Django: ``liptako keygen``, ``sign`` and ``verify``.

Nothing here imports Django, reads settings or opens a database: a holder signs on their own
machine and anyone verifies a bundle with only the package installed (issue 4). The server
side (validation/services.py, validation/bundles.py) uses the same functions, so the
server and the offline tool cannot disagree on what is valid.

A bundle (zip, format ``liptako.bundle/1``) holds:

- ``plan.json``: the canonical JSON of the version, exactly the bytes its digest covers;
- ``statements/<name>.json``: each signed statement, the exact bytes that were signed;
- ``signatures/<name>.sig``: each raw 64-byte Ed25519 signature (OpenSSL reads it as is);
- ``keys/<fingerprint>.pem``: each signer's public key; ``keys.json`` their holders and dates;
- ``signatures.json``: which statement was signed with which key, and when it was recorded;
- ``quorum.json``: the quorum rule in force when the bundle was made;
- ``plan.pdf``: the plan document (cover, tables, validation page) for people to read. The
  signatures cover ``plan.json``, not the PDF (it shows them, so it is made after them): the
  verifier checks the PDF against the manifest and says so, and a bundle without one is valid;
- ``manifest.json``: the SHA-256 and size of every other file: the verifier checks every entry
  and refuses files the manifest omits.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import getpass
import hashlib
import io
import json
import sys
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from liptako.core.canonical import canonical_json, sha256_hex

BUNDLE_FORMAT = "liptako.bundle/1"
STATEMENT_FORMAT = "liptako.statement/1"
QUORUM_FORMAT = "liptako.quorum/1"
MANIFEST = "manifest.json"
PLAN_PDF = "plan.pdf"
FINGERPRINT_WORDS = 12  # 96 bits read aloud: see docs/decisions/0083-key-fingerprints.md

# 256 French words, one per byte value: a fingerprint read over the telephone (decision 0083).
WORDS = [
    "abri",
    "acier",
    "agneau",
    "aigle",
    "aile",
    "algue",
    "ambre",
    "ami",
    "ancre",
    "angle",
    "anneau",
    "arbre",
    "arche",
    "argent",
    "atlas",
    "aube",
    "avion",
    "avril",
    "azur",
    "bague",
    "baie",
    "balcon",
    "balle",
    "bambou",
    "banane",
    "banc",
    "barque",
    "bassin",
    "bateau",
    "baton",
    "berger",
    "bijou",
    "bison",
    "blanc",
    "bleu",
    "bois",
    "bol",
    "bonnet",
    "bouche",
    "bougie",
    "boule",
    "bourse",
    "bras",
    "brume",
    "bureau",
    "cabane",
    "cadre",
    "caillou",
    "camion",
    "canard",
    "canon",
    "cape",
    "carte",
    "castor",
    "cerise",
    "chaise",
    "chameau",
    "champ",
    "chant",
    "chat",
    "chemin",
    "chene",
    "cheval",
    "chien",
    "chou",
    "ciel",
    "cigale",
    "cirque",
    "citron",
    "clef",
    "cloche",
    "clou",
    "cobra",
    "coffre",
    "col",
    "colline",
    "comete",
    "conte",
    "coq",
    "corde",
    "corne",
    "coton",
    "coude",
    "cour",
    "crabe",
    "craie",
    "crayon",
    "cube",
    "cuivre",
    "cygne",
    "dalle",
    "dauphin",
    "dent",
    "desert",
    "diamant",
    "disque",
    "dragon",
    "drap",
    "dune",
    "eau",
    "echelle",
    "eclair",
    "ecole",
    "ecran",
    "epee",
    "epi",
    "etoile",
    "fable",
    "falaise",
    "farine",
    "faucon",
    "fer",
    "ferme",
    "feu",
    "figue",
    "fil",
    "flamme",
    "fleur",
    "flute",
    "foin",
    "fontaine",
    "foret",
    "fourmi",
    "fraise",
    "frene",
    "fruit",
    "fusee",
    "gant",
    "gare",
    "gazelle",
    "genou",
    "girafe",
    "givre",
    "gland",
    "globe",
    "gomme",
    "gorille",
    "grain",
    "grange",
    "grenier",
    "griffe",
    "grotte",
    "guepe",
    "guitare",
    "hache",
    "hamac",
    "herbe",
    "heron",
    "hibou",
    "horloge",
    "huile",
    "ile",
    "image",
    "iris",
    "ivoire",
    "jade",
    "jardin",
    "jasmin",
    "jeton",
    "jonc",
    "joue",
    "jupe",
    "kayak",
    "koala",
    "lac",
    "laine",
    "lampe",
    "lance",
    "lapin",
    "laurier",
    "lavande",
    "lezard",
    "lierre",
    "lime",
    "lion",
    "livre",
    "loup",
    "lune",
    "lynx",
    "mais",
    "maison",
    "manche",
    "mangue",
    "marche",
    "marmotte",
    "marron",
    "masque",
    "melon",
    "menthe",
    "merle",
    "metal",
    "miel",
    "miroir",
    "mouton",
    "mur",
    "mure",
    "navire",
    "neige",
    "nid",
    "noix",
    "nuage",
    "oasis",
    "ocean",
    "oeuf",
    "olive",
    "ombre",
    "orage",
    "orange",
    "orge",
    "orque",
    "ours",
    "outil",
    "paille",
    "palme",
    "panda",
    "panier",
    "papier",
    "paon",
    "pelle",
    "perle",
    "phare",
    "piano",
    "pierre",
    "pigeon",
    "pin",
    "piste",
    "plage",
    "plume",
    "poche",
    "poire",
    "pomme",
    "pont",
    "porte",
    "poule",
    "prairie",
    "puits",
    "quai",
    "radeau",
    "raisin",
    "rame",
    "renard",
    "requin",
    "riviere",
    "robe",
    "roche",
    "rose",
    "roue",
    "ruche",
    "sable",
    "sabot",
    "sac",
    "sapin",
    "savane",
    "selle",
    "serpent",
    "sel",
]
assert len(WORDS) == 256
assert len(set(WORDS)) == 256


# --- Keys ------------------------------------------------------------------------------------


class KeyError_(ValueError):
    """A key that cannot be read (wrong length, wrong encoding, wrong passphrase)."""


def fingerprint(public_key_raw: bytes) -> str:
    """SHA-256 (hex) of the raw 32-byte public key."""
    return hashlib.sha256(public_key_raw).hexdigest()


def fingerprint_words(fingerprint_hex: str, count: int = FINGERPRINT_WORDS) -> str:
    """The first ``count`` bytes of a fingerprint as French words ("lune cheval ...")."""
    data = bytes.fromhex(fingerprint_hex)[:count]
    return " ".join(WORDS[byte] for byte in data)


def public_key_from_raw(raw: bytes) -> Ed25519PublicKey:
    if len(raw) != 32:
        raise KeyError_("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def parse_public_key(text: str) -> bytes:
    """Raw 32 bytes from hex, base64 or a PEM SubjectPublicKeyInfo; ``KeyError_`` otherwise."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as error:
            raise KeyError_("not a PEM public key") from error
        if not isinstance(key, Ed25519PublicKey):
            raise KeyError_("not an Ed25519 public key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    candidates: list[bytes] = []
    if len(text) == 64:
        with contextlib.suppress(ValueError):
            candidates.append(bytes.fromhex(text))
    with contextlib.suppress(binascii.Error, ValueError):
        candidates.append(base64.b64decode(text, validate=True))
    for raw in candidates:
        if len(raw) == 32:
            return raw
    raise KeyError_("an Ed25519 public key is 32 bytes, in hex, base64 or PEM")


def public_key_pem(raw: bytes) -> bytes:
    return public_key_from_raw(raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def generate_private_key_pem(passphrase: bytes) -> tuple[bytes, bytes]:
    """A new Ed25519 key: (PKCS#8 PEM encrypted with ``passphrase``, raw public key)."""
    if not passphrase:
        raise KeyError_("a passphrase is required")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return pem, raw


def load_private_key(pem: bytes, passphrase: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase or None)
    except (ValueError, TypeError) as error:
        raise KeyError_("cannot open the key file: wrong passphrase or not a key") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyError_("the key file does not hold an Ed25519 key")
    return key


def sign_bytes(pem: bytes, passphrase: bytes, message: bytes) -> bytes:
    """The raw 64-byte Ed25519 signature of ``message`` (the exact file bytes)."""
    return load_private_key(pem, passphrase).sign(message)


def signature_is_valid(public_key_raw: bytes, signature: bytes, message: bytes) -> bool:
    try:
        public_key_from_raw(public_key_raw).verify(signature, message)
    except (InvalidSignature, KeyError_, ValueError):
        return False
    return True


def decode_signature(text: str | bytes) -> bytes:
    """A signature given as base64 (what pages and the API carry) or as the raw 64 bytes.

    Whitespace anywhere in the base64 is ignored: `openssl base64` wraps its output in lines
    of 64 characters (decision 0215).
    """
    if isinstance(text, bytes) and len(text) == 64:
        return text
    try:
        value = "".join((text if isinstance(text, str) else text.decode("ascii")).split())
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise KeyError_("the signature is not base64") from error
    if len(raw) != 64:
        raise KeyError_("an Ed25519 signature is 64 bytes")
    return raw


# --- Quorum ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    member_state: str
    role: str
    count: int


@dataclass(frozen=True)
class QuorumResult:
    met: bool
    missing: tuple[Requirement, ...]  # how many more of each requirement are needed

    def describe_missing(self) -> list[str]:
        return [
            f"{req.count} approval(s) by {req.role} of {req.member_state}" for req in self.missing
        ]


def requirements_of(rule: Mapping[str, Any]) -> list[Requirement]:
    return [
        Requirement(str(entry["member_state"]), str(entry["role"]), int(entry["count"]))
        for entry in rule.get("validation", [])
        if int(entry["count"]) > 0
    ]


def evaluate_quorum(
    rule: Mapping[str, Any], approvals: Iterable[tuple[str, str, Any]]
) -> QuorumResult:
    """Whether ``approvals`` (member state code, role, signer id) meet ``rule``.

    The rule is ``{"validation": [{"member_state", "role", "count"}], "adoption": {...}}``;
    each signer counts once per (member state, role). A pure function: the workflow and
    ``liptako verify`` both call it.
    """
    signers: dict[tuple[str, str], set[Any]] = {}
    for member_state, role, signer in approvals:
        signers.setdefault((member_state, role), set()).add(signer)
    missing = []
    for req in requirements_of(rule):
        have = len(signers.get((req.member_state, req.role), set()))
        if have < req.count:
            missing.append(Requirement(req.member_state, req.role, req.count - have))
    return QuorumResult(met=not missing and bool(requirements_of(rule)), missing=tuple(missing))


# --- Bundles ---------------------------------------------------------------------------------


def build_bundle(files: Mapping[str, bytes]) -> bytes:
    """A zip of ``files`` plus ``manifest.json`` (their SHA-256 and sizes), deterministic."""
    manifest = {
        "format": BUNDLE_FORMAT,
        "files": [
            {"path": path, "sha256": sha256_hex(data), "size": len(data)}
            for path, data in sorted(files.items())
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted({**files, MANIFEST: canonical_json(manifest)}.items()):
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


@dataclass
class Check:
    ok: bool
    subject: str  # the file or signature concerned
    message: str


@dataclass
class VerifyReport:
    checks: list[Check] = field(default_factory=list)
    signatures: list[Check] = field(default_factory=list)
    documents: list[Check] = field(default_factory=list)  # files for people: the PDF
    quorum: QuorumResult | None = None
    plan: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            all(check.ok for check in self.checks)
            and all(check.ok for check in self.signatures)
            and all(check.ok for check in self.documents)
            and bool(self.signatures)
            and self.quorum is not None
            and self.quorum.met
        )

    def fail(self, subject: str, message: str) -> None:
        self.checks.append(Check(False, subject, message))

    def lines(self) -> list[str]:
        out = [f"FAIL {check.subject}: {check.message}" for check in self.checks if not check.ok]
        out += [
            f"{'OK  ' if check.ok else 'FAIL'} {check.subject}: {check.message}"
            for check in self.documents
        ]
        out += [
            f"{'OK  ' if check.ok else 'FAIL'} {check.subject}: {check.message}"
            for check in self.signatures
        ]
        if self.quorum is not None:
            if self.quorum.met:
                out.append("OK   quorum: met")
            else:
                out.append(
                    "FAIL quorum: not met, missing " + "; ".join(self.quorum.describe_missing())
                )
        plan = self.plan
        label = f"version {plan.get('version')} of plan {plan.get('uid')} ({plan.get('digest')})"
        out.append(f"VERDICT: {'VALID' if self.ok else 'INVALID'} {label}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.ok,
            "plan": self.plan,
            "problems": [
                {"subject": c.subject, "message": c.message} for c in self.checks if not c.ok
            ],
            "signatures": [
                {"subject": c.subject, "valid": c.ok, "message": c.message} for c in self.signatures
            ],
            "documents": [
                {"subject": c.subject, "valid": c.ok, "message": c.message} for c in self.documents
            ],
            "quorum": None
            if self.quorum is None
            else {"met": self.quorum.met, "missing": self.quorum.describe_missing()},
            "lines": self.lines(),
        }


def _json(report: VerifyReport, files: Mapping[str, bytes], path: str) -> Any:
    if path not in files:
        report.fail(path, "missing from the bundle")
        return None
    try:
        return json.loads(files[path])
    except (ValueError, UnicodeDecodeError):
        report.fail(path, "is not JSON")
        return None


def _read_zip(report: VerifyReport, data: bytes) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = {}
            for info in archive.infolist():
                if info.is_dir():
                    continue
                if info.file_size > 200 * 1024 * 1024:
                    report.fail(info.filename, "too large")
                    return None
                files[info.filename] = archive.read(info)
            return files
    # zlib.error: damaged compressed data; NotImplementedError: unknown compression;
    # RuntimeError: an encrypted member; EOFError: a truncated member.
    except (
        zipfile.BadZipFile,
        OSError,
        ValueError,
        zlib.error,
        NotImplementedError,
        RuntimeError,
        EOFError,
    ) as error:
        report.fail("bundle", f"not a readable zip file ({error})")
        return None


def _check_manifest(report: VerifyReport, files: dict[str, bytes]) -> set[str]:
    """Check every manifest entry; return the paths whose SHA-256 matches."""
    manifest = _json(report, files, MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        report.fail(MANIFEST, f"not a {BUNDLE_FORMAT} manifest")
        return set()
    listed, matching = set(), set()
    for entry in manifest.get("files", []):
        path = str(entry.get("path"))
        listed.add(path)
        if path not in files:
            report.fail(path, "listed in the manifest but missing")
        elif sha256_hex(files[path]) != entry.get("sha256"):
            report.fail(path, "its SHA-256 differs from the manifest (the file was changed)")
        else:
            matching.add(path)
    for path in sorted(set(files) - listed - {MANIFEST}):
        report.fail(path, "not listed in the manifest")
    return matching


def _check_pdf(report: VerifyReport, files: dict[str, bytes], matching: set[str]) -> None:
    """The PDF, when present: listed with its SHA-256 and a PDF file. It is a rendering for
    readers; what the signatures cover is plan.json (the line says so)."""
    if PLAN_PDF not in files or PLAN_PDF not in matching:
        return  # absent (optional), or already named by the manifest check
    data = files[PLAN_PDF]
    if not data.startswith(b"%PDF-"):
        report.documents.append(Check(False, PLAN_PDF, "is not a PDF file"))
    else:
        message = (
            f"SHA-256 {sha256_hex(data)[:16]}… as in the manifest "
            f"({len(data):,} bytes; a rendering of plan.json, which the signatures cover)"
        )
        report.documents.append(Check(True, PLAN_PDF, message))


def verify_bundle(data: bytes) -> VerifyReport:
    """Check a bundle: manifest, plan digest, every signature, the quorum (see module doc)."""
    report = VerifyReport()
    try:
        _verify_into(report, data)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as error:
        # A file of the bundle has the wrong shape (a list where an object is expected, …):
        # the bundle is not valid, and the verifier says so rather than crashing.
        report.fail("bundle", f"malformed content ({type(error).__name__})")
    return report


def _verify_into(report: VerifyReport, data: bytes) -> VerifyReport:
    files = _read_zip(report, data)
    if files is None:
        return report
    _check_pdf(report, files, _check_manifest(report, files))
    plan_bytes = files.get("plan.json")
    plan_document = _json(report, files, "plan.json")
    keys_index = _json(report, files, "keys.json") or []
    signatures_index = _json(report, files, "signatures.json") or []
    rule = _json(report, files, "quorum.json") or {}
    if plan_bytes is None or not isinstance(plan_document, dict):
        return report
    digest = sha256_hex(plan_bytes)
    plan_uid = str(plan_document.get("plan", {}).get("uid", ""))
    bundle_info = _json(report, files, "bundle.json") or {}
    version_number = bundle_info.get("version")
    report.plan = {"uid": plan_uid, "version": version_number, "digest": digest}
    if bundle_info.get("digest") != digest:
        report.fail(
            "plan.json", "its SHA-256 is not the digest of the version (the plan was changed)"
        )
    if canonical_json(plan_document) != plan_bytes:
        report.fail("plan.json", "is not in canonical form (the plan was changed)")

    keys: dict[str, dict[str, Any]] = {}
    for entry in keys_index if isinstance(keys_index, list) else []:
        fp = str(entry.get("fingerprint", ""))
        pem_path = f"keys/{fp}.pem"
        if pem_path not in files:
            report.fail(pem_path, "missing from the bundle")
            continue
        try:
            raw = parse_public_key(files[pem_path].decode("ascii"))
        except (KeyError_, UnicodeDecodeError):
            report.fail(pem_path, "is not an Ed25519 public key")
            continue
        if fingerprint(raw) != fp:
            report.fail(pem_path, "its fingerprint does not match its name (the key was changed)")
            continue
        keys[fp] = {**entry, "raw": raw}

    approvals: list[tuple[str, str, Any]] = []
    for entry in signatures_index if isinstance(signatures_index, list) else []:
        statement_path = str(entry.get("statement"))
        signature_path = str(entry.get("signature"))
        subject = statement_path
        statement_bytes = files.get(statement_path)
        signature_bytes = files.get(signature_path)
        if statement_bytes is None or signature_bytes is None:
            report.signatures.append(Check(False, subject, "statement or signature missing"))
            continue
        try:
            statement = json.loads(statement_bytes)
        except (ValueError, UnicodeDecodeError):
            report.signatures.append(Check(False, subject, "the statement is not JSON"))
            continue
        who = (
            f"{statement.get('decision')} by {statement.get('signer', {}).get('name')} "
            f"({statement.get('role')}, {statement.get('member_state')})"
        )
        key = keys.get(str(entry.get("key")))
        problem = None
        if statement.get("format") != STATEMENT_FORMAT:
            problem = "not a Liptako statement"
        elif key is None:
            problem = f"the key {entry.get('key')} is not in the bundle"
        elif not signature_is_valid(key["raw"], signature_bytes, statement_bytes):
            problem = "the signature does not match the statement and key"
        elif statement.get("plan") != plan_uid:
            problem = f"the statement names another plan ({statement.get('plan')})"
        elif statement.get("version") != version_number:
            problem = (
                f"the statement names version {statement.get('version')}, not {version_number}"
            )
        elif statement.get("digest") != digest:
            problem = "the statement names another digest than the plan's"
        elif str(key.get("holder_id")) != str(statement.get("signer", {}).get("id")):
            problem = "the key belongs to someone other than the signer"
        elif not key.get("confirmed_at"):
            problem = "the key was never confirmed"
        elif key.get("revoked_at") and str(key["revoked_at"]) <= str(entry.get("signed_at")):
            problem = "the key was revoked before the signature"
        if problem or key is None:
            report.signatures.append(Check(False, subject, f"{who}: {problem}"))
            continue
        report.signatures.append(
            Check(
                True,
                subject,
                f"{who}: valid signature, key {fingerprint_words(key['fingerprint'])}",
            )
        )
        if statement.get("decision") == "approve":
            approvals.append(
                (
                    str(statement.get("member_state")),
                    str(statement.get("role")),
                    statement.get("signer", {}).get("id"),
                )
            )
    if not report.signatures:
        report.fail("signatures.json", "the bundle holds no signature")
    report.quorum = evaluate_quorum(rule if isinstance(rule, dict) else {}, approvals)
    return report


# --- Command line ----------------------------------------------------------------------------


def _passphrase(path: str | None, *, confirm: bool) -> bytes:
    if path:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n").encode("utf-8")
    first = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("Passphrase (again): ") != first:
        raise SystemExit("The two passphrases differ.")
    return first.encode("utf-8")


def _keygen(arguments: argparse.Namespace) -> int:
    out = Path(arguments.out)
    if out.exists() and not arguments.force:
        print(f"{out} exists; add --force to replace it.", file=sys.stderr)
        return 2
    pem, raw = generate_private_key_pem(_passphrase(arguments.passphrase_file, confirm=True))
    out.write_bytes(pem)
    out.chmod(0o600)
    public_path = out.with_name(out.name + ".pub.pem")
    public_path.write_bytes(public_key_pem(raw))
    fp = fingerprint(raw)
    print(f"Private key (encrypted): {out}")
    print(f"Public key (PEM): {public_path}")
    print(f"Public key (base64): {base64.b64encode(raw).decode('ascii')}")
    print(f"Fingerprint: {fp}")
    print(f"Fingerprint words: {fingerprint_words(fp)}")
    return 0


def _sign(arguments: argparse.Namespace) -> int:
    message = Path(arguments.statement).read_bytes()
    try:
        signature = sign_bytes(
            Path(arguments.key).read_bytes(),
            _passphrase(arguments.passphrase_file, confirm=False),
            message,
        )
    except KeyError_ as error:
        print(f"Cannot sign: {error}", file=sys.stderr)
        return 1
    encoded = base64.b64encode(signature).decode("ascii")
    if arguments.out:
        Path(arguments.out).write_text(encoded + "\n", encoding="ascii")
    if arguments.raw_out:
        Path(arguments.raw_out).write_bytes(signature)
    if not arguments.out:
        print(encoded)
    return 0


def _verify(arguments: argparse.Namespace) -> int:
    report = verify_bundle(Path(arguments.bundle).read_bytes())
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


COMMANDS = ("keygen", "sign", "verify")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="liptako", description="Offline keys and signatures.")
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="create an encrypted Ed25519 key file")
    keygen.add_argument("--out", required=True, help="the private key file to write (PEM)")
    keygen.add_argument("--passphrase-file", help="read the passphrase from this file")
    keygen.add_argument("--force", action="store_true", help="replace an existing file")
    keygen.set_defaults(run=_keygen)
    sign = commands.add_parser("sign", help="sign a statement downloaded from Liptako")
    sign.add_argument("--key", required=True, help="the private key file (from keygen)")
    sign.add_argument("--passphrase-file", help="read the passphrase from this file")
    sign.add_argument("--out", help="write the base64 signature here instead of printing it")
    sign.add_argument("--raw-out", help="also write the raw 64-byte signature (for OpenSSL)")
    sign.add_argument("statement", help="the statement file, signed byte for byte")
    sign.set_defaults(run=_sign)
    verify = commands.add_parser("verify", help="verify a signed bundle (zip)")
    verify.add_argument("bundle")
    verify.set_defaults(run=_verify)
    arguments = parser.parse_args(list(argv))
    result: int = arguments.run(arguments)
    return result
