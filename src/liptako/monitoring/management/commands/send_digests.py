from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from liptako.monitoring.alerts import digests_send


class Command(BaseCommand):
    help = "Mail each focal point and the secretariat what awaits them in monitoring (once a day)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = digests_send()
        self.stdout.write(f"{sent} digest(s) sent.")
