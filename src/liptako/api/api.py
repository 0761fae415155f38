"""The JSON API at /api/v1/: one NinjaAPI, one router per app."""

from __future__ import annotations

from ninja import NinjaAPI

from liptako.api import accounts, alliance, meetings, plans

api = NinjaAPI(
    title="Liptako API",
    version="1",
    urls_namespace="api",
    description="Plans, validation, meetings and monitoring of an alliance's joint action plans.",
)

api.add_router("/", accounts.router)
api.add_router("/", alliance.router)
api.add_router("/plans/", plans.router)
api.add_router("/meetings/", meetings.router)
