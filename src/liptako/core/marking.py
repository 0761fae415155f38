"""The marking shown in the banner at the top and bottom of every page.

A page's banner shows the highest marking among the items it displays. Views (and the
``{% mark %}`` template tag) report each item's marking with :func:`raise_page_marking`;
the banner is rendered after the content, so a template can raise it while rendering.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from liptako.core.models import MarkingLevel

_ATTRIBUTE = "_liptako_page_marking"


@dataclass
class PageMarking:
    level: MarkingLevel | None = None

    def raise_to(self, level: MarkingLevel | None) -> None:
        if level is not None and (self.level is None or level.rank > self.level.rank):
            self.level = level

    def __str__(self) -> str:
        return self.level.label if self.level else ""


def page_marking(request: HttpRequest) -> PageMarking:
    marking = getattr(request, _ATTRIBUTE, None)
    if marking is None:
        marking = PageMarking()
        setattr(request, _ATTRIBUTE, marking)
    return marking


def raise_page_marking(request: HttpRequest, level: MarkingLevel | None) -> None:
    page_marking(request).raise_to(level)
