"""API operations of the accounts app (thin adapters over its services and selectors)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["accounts"])
