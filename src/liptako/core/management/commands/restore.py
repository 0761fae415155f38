"""``liptako restore ARCHIVE [--force]``: put a backup back into a (fresh) instance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from liptako.audit.verify import verify_chain
from liptako.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `liptako backup` into this instance (server stopped). "
        "Refuses a database that is not empty unless --force; verifies the audit chain after."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="archive written by `liptako backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the content of a database that is not empty",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = backup_restore(archive=options["archive"], force=options["force"])
        except BackupError as error:
            raise CommandError(str(error), returncode=1) from None
        self.stdout.write(
            _("Restored: database %(vendor)s and %(files)s files, from the backup of %(at)s.")
            % {"vendor": report.vendor, "files": report.files, "at": report.created_at}
        )
        result = verify_chain()
        if not result.ok:
            raise CommandError(
                _("Restored, but the audit log is broken: %(reason)s") % {"reason": result.reason},
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Audit log intact after the restore: %(count)s events checked.")
                % {"count": result.events_checked}
            )
        )
