"""API operations of the plans app (thin adapters over its services and selectors)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["plans"])
