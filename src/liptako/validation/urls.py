from __future__ import annotations

from django.urls import path

from liptako.validation import views

app_name = "validation"

urlpatterns = [
    path("plans/<uuid:plan_uid>/", views.plan_workflow, name="plan"),
    path("plans/<uuid:plan_uid>/envoyer/", views.plan_open, name="plan-open"),
    path("plans/<uuid:plan_uid>/retirer/", views.plan_withdraw, name="plan-withdraw"),
    path("plans/<uuid:plan_uid>/reviser/", views.plan_revise, name="plan-revise"),
    path("plans/<uuid:plan_uid>/cloturer/", views.plan_close, name="plan-close"),
    path(
        "plans/<uuid:plan_uid>/versions/<int:number>/soumettre/",
        views.version_submit,
        name="version-submit",
    ),
    path(
        "plans/<uuid:plan_uid>/versions/<int:number>/signer/<str:state_code>/<str:kind>/",
        views.version_sign,
        name="version-sign",
    ),
    path(
        "plans/<uuid:plan_uid>/versions/<int:number>/modifications/<str:state_code>/",
        views.version_request_changes,
        name="version-request-changes",
    ),
    path(
        "plans/<uuid:plan_uid>/versions/<int:number>/renvoyer/<str:state_code>/",
        views.version_return,
        name="version-return",
    ),
    path(
        "plans/<uuid:plan_uid>/versions/<int:number>/paquet.zip",
        views.version_bundle,
        name="version-bundle",
    ),
    path(
        "declarations/<uuid:statement_uid>.json",
        views.statement_download,
        name="statement-download",
    ),
    path("cles/", views.key_list, name="key-list"),
    path("cles/registre/", views.key_register, name="key-register"),
    path("cles/<uuid:key_uid>/confirmer/", views.key_confirm, name="key-confirm"),
    path("cles/<uuid:key_uid>/revoquer/", views.key_revoke, name="key-revoke"),
    path("quorum/", views.quorum_edit, name="quorum"),
    path("verifier/", views.bundle_verify, name="verify"),
]
