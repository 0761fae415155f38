from __future__ import annotations

app_name = "alliance"

urlpatterns: list = []
