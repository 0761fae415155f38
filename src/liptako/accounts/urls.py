from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from liptako.accounts import passkeys, views

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
    # Passkeys: the JSON steps of the WebAuthn ceremonies (accounts/passkeys.py), then removal.
    path(
        "double-authentification/cles/enregistrement/debut/",
        passkeys.PasskeyRegisterBegin.as_view(),
        name="passkey-register-begin",
    ),
    path(
        "double-authentification/cles/enregistrement/fin/",
        passkeys.PasskeyRegisterComplete.as_view(),
        name="passkey-register-complete",
    ),
    path(
        "double-authentification/cles/<int:passkey_id>/supprimer/",
        views.passkey_remove,
        name="passkey-remove",
    ),
    path(
        "connexion/cle/debut/",
        passkeys.PasskeyLoginBegin.as_view(),
        name="passkey-login-begin",
    ),
    path(
        "connexion/cle/fin/",
        passkeys.PasskeyLoginComplete.as_view(),
        name="passkey-login-complete",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", views.password_change, name="password-change"),
    path("profil/", views.profile, name="profile"),
    path("jetons/", views.token_list, name="token-list"),
    path("jetons/<int:token_id>/revoquer/", views.token_revoke, name="token-revoke"),
]
