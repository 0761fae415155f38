from __future__ import annotations

app_name = "plans"

urlpatterns: list = []
