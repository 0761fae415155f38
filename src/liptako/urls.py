from __future__ import annotations

from django.urls import include, path

from liptako.api.api import api

urlpatterns = [
    path("", include("liptako.core.urls")),
    path("comptes/", include("liptako.accounts.urls")),
    path("annuaire/", include("liptako.alliance.urls")),
    path("journal/", include("liptako.audit.urls")),
    path("plans/", include("liptako.plans.urls")),
    path("reunions/", include("liptako.meetings.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
