from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "liptako.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from liptako.documents import permissions  # noqa: F401 (registers rules)
