from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from liptako.accounts import views

app_name = "accounts"

urlpatterns = [
    path("connexion/", login_not_required(views.LoginView.as_view()), name="login"),
    path("connexion/code/", views.login_code, name="login-code"),
    path("double-authentification/", views.two_factor, name="two-factor"),
    path("double-authentification/activer/", views.two_factor_enrol, name="two-factor-enrol"),
    path(
        "double-authentification/codes-de-secours/",
        views.recovery_codes,
        name="recovery-codes",
    ),
    path("double-authentification/supprimer/", views.two_factor_remove, name="two-factor-remove"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", views.password_change, name="password-change"),
    path("profil/", views.profile, name="profile"),
    path("jetons/", views.token_list, name="token-list"),
    path("jetons/<int:token_id>/revoquer/", views.token_revoke, name="token-revoke"),
]
