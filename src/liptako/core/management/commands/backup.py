"""``liptako backup [--output ARCHIVE]``: archive the instance while it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liptako.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write one archive (.tar.gz) with a snapshot of the database, the instance's keys and "
        "uploaded files, and a manifest of their SHA-256 digests. Safe while Liptako serves."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="archive to write (default: LIPTAKO_HOME/backups/liptako-<time>.tar.gz)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = backup_create(output=options["output"])
        except BackupError as error:
            raise CommandError(str(error), returncode=1) from None
        count = len(report.entries)
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Backup written: %(path)s (%(count)s file, database %(vendor)s)",
                    "Backup written: %(path)s (%(count)s files, database %(vendor)s)",
                    count,
                )
                % {"path": report.path, "count": count, "vendor": report.vendor}
            )
        )
        self.stdout.write(_("Restore it with: liptako restore %(path)s") % {"path": report.path})
