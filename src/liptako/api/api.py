"""The JSON API at /api/v1/: one NinjaAPI, one router per app."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="Liptako API",
    version="1",
    urls_namespace="api",
    description="Plans, validation, meetings and monitoring of an alliance's joint action plans.",
)
