"""``liptako serve``: the production server (gunicorn, static files through whitenoise)."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.management.commands.collectstatic import (
    Command as CollectStaticCommand,
)
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from liptako.core.static_storage import ManifestStaticFilesStorage

#: Set by this command for the gunicorn process it starts: settings then serve the hashed,
#: compressed files that the collectstatic run just before wrote (docs/decisions/0006).
MANIFEST_VARIABLE = "LIPTAKO_STATIC_MANIFEST"


class Command(BaseCommand):
    help = "Collect the static files, then serve Liptako with gunicorn (production server)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to bind")
        parser.add_argument("--port", type=int, default=8000, help="TCP port to bind")
        parser.add_argument(
            "--workers", type=int, default=2, help="gunicorn worker processes (default 2)"
        )
        parser.add_argument(
            "--timeout", type=int, default=60, help="seconds before a silent worker is restarted"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535")
        self.collect_static()
        host = options["host"]
        bind = f"[{host}]:{options['port']}" if ":" in host else f"{host}:{options['port']}"
        arguments = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--timeout",
            str(options["timeout"]),
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
            "liptako.wsgi:application",
        ]
        self.stdout.write(f"Liptako at http://{bind}/ ({options['workers']} workers)")
        self.stdout.flush()
        environment = {**os.environ, MANIFEST_VARIABLE: "1"}
        environment.setdefault("DJANGO_SETTINGS_MODULE", "liptako.settings")
        # gunicorn replaces this process: a fresh interpreter reads the settings again and
        # picks the manifest storage; signals sent to this pid reach gunicorn's master.
        os.execve(sys.executable, arguments, environment)  # noqa: S606

    def collect_static(self) -> None:
        """Write hashed and compressed copies of every static file into STATIC_ROOT, unless the
        last run wrote them from the same sources (a restart then takes a second, not the
        compression of every file again).

        The storage is set explicitly: this process started without the manifest (it does not
        exist yet on a first run), so the configured one is the plain development storage.
        """
        storage = ManifestStaticFilesStorage(location=settings.STATIC_ROOT)
        stamp = Path(settings.STATIC_ROOT) / SOURCES_STAMP
        fingerprint = static_sources_fingerprint()
        manifest = Path(settings.STATIC_ROOT) / storage.manifest_name
        if manifest.exists() and stamp.exists() and stamp.read_text() == fingerprint:
            return
        collect = CollectStaticCommand(stdout=self.stdout, stderr=self.stderr)
        collect.storage = storage
        call_command(collect, interactive=False, verbosity=0)
        stamp.write_text(fingerprint)


#: In STATIC_ROOT: the fingerprint of the sources the collected files were made from.
SOURCES_STAMP = ".liptako-static-sources"


def static_sources_fingerprint() -> str:
    """A digest of every static source file's path, size and modification time."""
    entries = []
    for finder in get_finders():
        for path, source_storage in finder.list([]):
            status = os.stat(source_storage.path(path))
            entries.append(f"{path}\0{status.st_size}\0{status.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()
