"""French catalogues: one per app, complete, compiled, and in step with the code.

French is the default language of the UI, so an untranslated string is a bug a user sees.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]  # src/liptako
CATALOGUE = Path("locale/fr/LC_MESSAGES/django.po")
_TEMPLATE_TAG = re.compile(r"{%-?\s*(translate|trans|blocktranslate|blocktrans)\b")
_GETTEXT_NAMES = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}


@dataclass
class Entry:
    msgid: str
    context: str | None = None
    plural: str | None = None
    translations: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        return f"{self.context}\x04{self.msgid}" if self.context is not None else self.msgid


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (obsolete ``#~`` entries left out), header included."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    flags: set[str] = set()
    context: str | None = None

    def finish() -> None:
        nonlocal current, flags, context
        if current is not None:
            entries.append(current)
        current, flags, context = None, set(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#,"):
            finish()
            flags = {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            if current is not None and current.translations:
                finish()
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            text = ast.literal_eval(line)
            assert target is not None, f"{path}:{number}: text outside an entry"
            if target[0] == "msgctxt":
                context = (context or "") + text
            else:
                assert current is not None, f"{path}:{number}"
                append_to(current, target, text)
            continue
        text = ast.literal_eval(rest)
        if keyword == "msgctxt":
            if current is not None:
                finish()
            context = text
            target = ("msgctxt", 0)
        elif keyword == "msgid":
            if current is not None and current.translations:
                finish()
            current = Entry(msgid=text, context=context, flags=flags, line=number)
            target = ("msgid", 0)
        elif keyword == "msgid_plural":
            assert current is not None
            current.plural = text
            target = ("msgid_plural", 0)
        elif keyword.startswith("msgstr"):
            assert current is not None
            index = int(keyword[7:-1]) if "[" in keyword else 0
            current.translations.append(text)
            target = ("msgstr", index)
    finish()
    return entries


def append_to(entry: Entry, target: tuple[str, int], text: str) -> None:
    kind, index = target
    if kind == "msgid":
        entry.msgid += text
    elif kind == "msgid_plural":
        entry.plural = (entry.plural or "") + text
    else:
        entry.translations[index] += text


def app_directories() -> list[Path]:
    return sorted(path.parent for path in PACKAGE.glob("*/apps.py"))


def catalogues() -> list[Path]:
    return sorted(path for path in PACKAGE.glob(f"*/{CATALOGUE}"))


def has_translatable_strings(app: Path) -> bool:
    for template in app.glob("templates/**/*.html"):
        if _TEMPLATE_TAG.search(template.read_text(encoding="utf-8")):
            return True
    for module in app.rglob("*.py"):
        if {"tests", "migrations"} & set(module.relative_to(app).parts):
            continue
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in _GETTEXT_NAMES
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                return True
    return False


def catalogue_id(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0]


def test_the_po_reader_understands_plurals_contexts_and_flags(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid "Hello %(name)s"\nmsgstr "Bonjour %(name)s"\n\n'
        '#, fuzzy\nmsgctxt "month"\nmsgid "May"\nmsgstr ""\n"Mai"\n\n'
        'msgid "one plan"\nmsgid_plural "%(count)s plans"\nmsgstr[0] "un plan"\n'
        'msgstr[1] ""\n\n'
        '#~ msgid "Old"\n#~ msgstr "Ancien"\n',
        encoding="utf-8",
    )
    header, hello, may, plans = parse_po(po)
    assert header.msgid == ""
    assert "charset=UTF-8" in header.translations[0]
    assert (hello.msgid, hello.translations, hello.flags) == (
        "Hello %(name)s",
        ["Bonjour %(name)s"],
        {"python-format"},
    )
    assert (may.key, may.translations, may.flags) == ("month\x04May", ["Mai"], {"fuzzy"})
    assert (plans.plural, plans.translations) == ("%(count)s plans", ["un plan", ""])


def test_every_app_with_strings_has_a_french_catalogue() -> None:
    missing = [
        app.name
        for app in app_directories()
        if has_translatable_strings(app) and not (app / CATALOGUE).exists()
    ]
    assert missing == [], (
        "Create the French catalogue of: "
        + ", ".join(missing)
        + " (cd src/liptako/<app> && mkdir -p locale && liptako makemessages -l fr)"
    )


def test_the_core_catalogue_exists() -> None:
    # The sweeps below would pass vacuously with no catalogue at all.
    assert PACKAGE / "core" / CATALOGUE in catalogues()


@pytest.mark.parametrize("po", catalogues(), ids=catalogue_id)
def test_every_message_is_translated_and_none_is_fuzzy(po: Path) -> None:
    entries = parse_po(po)
    problems = []
    for entry in entries:
        if entry.msgid == "" and entry.context is None:
            continue
        where = f"{po.relative_to(PACKAGE)}:{entry.line} {entry.msgid!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where} is fuzzy")
        expected_forms = 2 if entry.plural is not None else 1
        if len(entry.translations) < expected_forms or not all(entry.translations):
            problems.append(f"{where} has no translation")
    assert problems == []


@pytest.mark.parametrize("po", catalogues(), ids=catalogue_id)
def test_the_compiled_catalogue_matches_the_po_file(po: Path) -> None:
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `liptako compilemessages` in the app"
    with mo.open("rb") as stream:
        compiled: dict[object, str] = gettext.GNUTranslations(stream)._catalog  # type: ignore[attr-defined]
    stale = []
    for entry in parse_po(po):
        if entry.msgid == "" or "fuzzy" in entry.flags:
            continue
        if entry.plural is None:
            if compiled.get(entry.key) != entry.translations[0]:
                stale.append(entry.msgid)
        else:
            forms = [compiled.get((entry.key, index)) for index in range(len(entry.translations))]
            if forms != entry.translations:
                stale.append(entry.msgid)
    assert stale == [], f"{mo} is older than {po.name}: run `liptako compilemessages`"


@pytest.mark.parametrize("po", catalogues(), ids=catalogue_id)
def test_placeholders_agree_between_english_and_french(po: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: `make install` (as root) installs Debian's gettext"
    result = subprocess.run(  # noqa: S603
        [msgfmt, "--check-format", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("po", catalogues(), ids=catalogue_id)
def test_the_catalogue_holds_every_string_of_the_code(po: Path, tmp_path: Path) -> None:
    """makemessages run on a copy of the app finds no string missing from the catalogue."""
    assert shutil.which("xgettext"), "xgettext is missing: `make install` installs gettext"
    app = po.parents[3]
    copy = tmp_path / app.name
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo"))
    subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "liptako",
            "makemessages",
            "-l",
            "fr",
            "--no-obsolete",
            "-v",
            "0",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        timeout=120,
    )
    committed = {entry.key for entry in parse_po(po)}
    current = {entry.key for entry in parse_po(copy / CATALOGUE)}
    missing = sorted(current - committed)
    assert missing == [], (
        f"Strings of {app.name} missing from its catalogue: {missing}. Run "
        f"`cd src/liptako/{app.name} && liptako makemessages -l fr --no-obsolete`, translate, "
        "then `liptako compilemessages`."
    )
