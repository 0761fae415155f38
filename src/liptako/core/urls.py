from __future__ import annotations

from django.urls import path

from liptako.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("marquages.css", views.marking_stylesheet, name="marking-stylesheet"),
]
