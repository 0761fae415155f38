from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def marking(request: HttpRequest) -> dict[str, Any]:
    """The banner marking of the page: views raise it with ``core.marking.raise_page_marking``."""
    from liptako.core.marking import page_marking

    return {"page_marking": page_marking(request)}
