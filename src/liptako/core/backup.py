"""``liptako backup`` and ``liptako restore``: one archive holds a whole instance.

The archive (``.tar.gz``) holds a consistent snapshot of the database, taken while the
application runs (SQLite's online backup API; ``pg_dump`` for PostgreSQL, which reads one
snapshot of the whole database), the instance's files under ``LIPTAKO_HOME`` (its secret key,
its Ed25519 key that signs the audit checkpoints, uploaded files…) and ``manifest.json``, the
SHA-256 and size of every other member.

The database is copied first, the files next: files are only ever added while Liptako runs,
so every file the snapshot refers to is already there when the files are copied
(docs/decisions/0180-backup-archive.md).

Restoring checks every digest before anything is written, refuses a database that already
has tables unless ``force`` is given, then puts the database and the files in place.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_DIRECTORY = "database"
HOME_DIRECTORY = "home"
BACKUP_DIRECTORY = "backups"
#: Not copied from the home folder: the database (copied through its own snapshot), the
#: static files (written again by ``liptako serve``) and earlier backups.
SKIPPED_TOP_LEVEL = frozenset({"static", BACKUP_DIRECTORY})
CHUNK = 1024 * 1024
RESTORE_PREFIX = ".restore-"
BACKUP_PREFIX = ".backup-"


class BackupError(Exception):
    """A backup or a restore that cannot be done; the message says why (translated)."""


@dataclass(frozen=True)
class ArchiveEntry:
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class BackupReport:
    path: Path
    vendor: str
    entries: list[ArchiveEntry]


@dataclass(frozen=True)
class RestoreReport:
    vendor: str
    files: int
    created_at: str


def _database() -> dict[str, Any]:
    return dict(settings.DATABASES["default"])


def vendor() -> str:
    return str(connection.vendor)


def _sqlite_paths() -> list[Path]:
    name = Path(str(_database()["NAME"]))
    return [name, Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal")]


def _postgres_environment() -> dict[str, str]:
    database = _database()
    environment = {**os.environ, "PGDATABASE": str(database["NAME"])}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if database.get(key):
            environment[variable] = str(database[key])
    return environment


def _run(command: list[str]) -> None:
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(
            _("%(program)s is needed and was not found (install the PostgreSQL client).")
            % {"program": command[0]}
        )
    result = subprocess.run(  # noqa: S603 (fixed program, arguments from settings)
        [program, *command[1:]],
        env=_postgres_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": command[0], "error": result.stderr.strip()[-2000:]}
        )


def _snapshot_database(directory: Path) -> Path:
    """Write a consistent copy of the database into ``directory``; return its path."""
    if vendor() == "sqlite":
        target = directory / "liptako.sqlite3"
        source = sqlite3.connect(str(_database()["NAME"]), timeout=60)
        destination = sqlite3.connect(str(target))
        try:
            # One step (pages=-1): the copy is one read transaction, a snapshot of a single
            # moment; in WAL mode writers go on meanwhile.
            source.backup(destination, pages=-1)
        finally:
            destination.close()
            source.close()
        return target
    if vendor() == "postgresql":
        target = directory / "liptako.pgdump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={target}"])
        return target
    raise BackupError(_("Only SQLite and PostgreSQL databases can be backed up."))


def _home_files(home: Path, output: Path) -> Iterator[Path]:
    database_files = {path.resolve() for path in _sqlite_paths()} if vendor() == "sqlite" else set()
    database_files.add(output.resolve())
    for path in sorted(home.rglob("*")):
        relative = path.relative_to(home)
        top = relative.parts[0]
        if top in SKIPPED_TOP_LEVEL or top.startswith((RESTORE_PREFIX, BACKUP_PREFIX)):
            continue  # scratch folders of a restore or of this very backup
        if path.is_file() and not path.is_symlink() and path.resolve() not in database_files:
            yield path


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def default_archive_path(home: Path) -> Path:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    return home / BACKUP_DIRECTORY / f"liptako-{stamp}.tar.gz"


def backup_create(*, output: Path | None = None) -> BackupReport:
    """Write the archive of this instance to ``output`` (default ``LIPTAKO_HOME/backups/``).

    Safe while the application serves: the database copy is a snapshot of one moment. The
    archive is written under a temporary name and renamed when complete, so a crash never
    leaves a truncated archive under the final name. Raises ``BackupError``.
    """
    home = Path(settings.LIPTAKO_HOME)
    target = Path(output) if output is not None else default_archive_path(home)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=BACKUP_PREFIX, dir=target.parent) as scratch:
        snapshot = _snapshot_database(Path(scratch))
        members: list[tuple[Path, str]] = [(snapshot, f"{DATABASE_DIRECTORY}/{snapshot.name}")]
        members += [
            (path, f"{HOME_DIRECTORY}/{path.relative_to(home).as_posix()}")
            for path in _home_files(home, target)
        ]
        entries: list[ArchiveEntry] = []
        partial = Path(scratch) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            for path, name in members:
                # Read once: the digest is the one of the bytes stored, even if the file moves.
                data = path.read_bytes()
                entries.append(ArchiveEntry(name, hashlib.sha256(data).hexdigest(), len(data)))
                _add_bytes(archive, name, data)
            manifest = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "database": {"vendor": vendor(), "path": members[0][1]},
                "files": [entry.__dict__ for entry in entries],
            }
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
        os.chmod(partial, 0o600)  # it holds the instance's keys
        with partial.open("rb") as stream:
            os.fsync(stream.fileno())
        os.replace(partial, target)
    return BackupReport(path=target, vendor=vendor(), entries=entries)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.datetime.now(tz=datetime.UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def _read_archive(path: Path, into: Path) -> dict[str, Any]:
    """Extract ``path`` into ``into`` and check it against its manifest; return the manifest."""
    try:
        with tarfile.open(path, "r:*") as archive:
            archive.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(
            _("%(path)s is not a readable Liptako backup (%(error)s).")
            % {"path": path, "error": error}
        ) from None
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
        entries = [ArchiveEntry(**entry) for entry in manifest["files"]]
        database = manifest["database"]
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupError(
            _("%(path)s has no readable manifest: it is not a Liptako backup.") % {"path": path}
        ) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(_("This backup's format is not supported by this Liptako version."))
    listed = {entry.path for entry in entries}
    present = {
        file.relative_to(into).as_posix()
        for file in into.rglob("*")
        if file.is_file() and file.name != MANIFEST
    }
    if present != listed:
        raise BackupError(
            _("The backup's content does not match its manifest: %(names)s.")
            % {"names": ", ".join(sorted(present ^ listed)[:5])}
        )
    for entry in entries:
        member = into / entry.path
        if member.stat().st_size != entry.size or file_digest(member) != entry.sha256:
            raise BackupError(
                _("%(name)s is damaged in the backup (its digest does not match the manifest).")
                % {"name": entry.path}
            )
    if database.get("vendor") != vendor():
        raise BackupError(
            _("This backup holds a %(theirs)s database; this instance uses %(ours)s.")
            % {"theirs": database.get("vendor"), "ours": vendor()}
        )
    return dict(manifest)


def database_is_empty() -> bool:
    """True when the configured database has no table at all (a fresh instance)."""
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def backup_restore(*, archive: Path, force: bool = False) -> RestoreReport:
    """Restore ``archive`` into this instance (stop the server first).

    Every digest is checked before anything changes; a database with tables is refused unless
    ``force``. Then the database is replaced and the archive's files are written into
    ``LIPTAKO_HOME`` (with ``force``, the uploaded files folder is replaced as a whole).
    Raises ``BackupError`` (nothing changed) when the archive is damaged or the target is not
    empty.
    """
    home = Path(settings.LIPTAKO_HOME)
    if not Path(archive).is_file():
        raise BackupError(_("%(path)s does not exist.") % {"path": archive})
    with tempfile.TemporaryDirectory(prefix=RESTORE_PREFIX, dir=home) as scratch:
        staging = Path(scratch)
        manifest = _read_archive(Path(archive), staging)
        if not database_is_empty() and not force:
            raise BackupError(
                _(
                    "The database of this instance is not empty: restoring would overwrite it. "
                    "Restore into a fresh instance, or add --force to replace its content."
                )
            )
        snapshot = staging / manifest["database"]["path"]
        _restore_database(snapshot)
        restored = _restore_home(staging / HOME_DIRECTORY, home, force=force)
    return RestoreReport(
        vendor=manifest["database"]["vendor"], files=restored, created_at=manifest["created_at"]
    )


def _restore_database(snapshot: Path) -> None:
    connection.close()
    if vendor() == "sqlite":
        paths = _sqlite_paths()
        replacement = paths[0].with_name(paths[0].name + ".restoring")
        shutil.copyfile(snapshot, replacement)
        with replacement.open("rb") as stream:
            os.fsync(stream.fileno())
        # The old write-ahead log must go first: left beside the new file, SQLite would
        # replay it into the restored database.
        for stale in paths[1:]:
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        os.replace(replacement, paths[0])
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    connection.close()
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={_database()['NAME']}",
            str(snapshot),
        ]
    )
    # pg_restore brings back rows, not the planner's statistics: without them PostgreSQL plans
    # the dashboards as if the tables were empty until autovacuum passes (decision 0210).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()


def _restore_home(source: Path, home: Path, *, force: bool) -> int:
    if not source.is_dir():
        return 0
    files = [path for path in sorted(source.rglob("*")) if path.is_file()]
    uploads = Path(settings.MEDIA_ROOT)
    if force and uploads.is_dir() and uploads.is_relative_to(home):
        # Replaced as a whole: files of the overwritten instance must not survive beside the
        # restored ones.
        shutil.rmtree(uploads)
    for path in files:
        target = home / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target.with_name(target.name + ".restoring"))
        os.chmod(target.with_name(target.name + ".restoring"), 0o600)
        os.replace(target.with_name(target.name + ".restoring"), target)
    return len(files)
