from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from liptako.api.api import api

urlpatterns = [
    path("", include("liptako.core.urls")),
    path("comptes/", include("liptako.accounts.urls")),
    path("annuaire/", include("liptako.alliance.urls")),
    path("journal/", include("liptako.audit.urls")),
    path("plans/", include("liptako.plans.urls")),
    path("reunions/", include("liptako.meetings.urls")),
    path("validation/", include("liptako.validation.urls")),
    path("suivi/", include("liptako.monitoring.urls")),
    path("documents/", include("liptako.documents.urls")),
    # Public: the language can be switched on the log-in page, before logging in.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("api/v1/", api.urls),
]
