from __future__ import annotations

from django.urls import path

from liptako.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("nouveau/", views.plan_create, name="plan-create"),
    path("<uuid:plan_uid>/", views.plan_detail, name="plan-detail"),
    path("<uuid:plan_uid>/modifier/", views.plan_update, name="plan-update"),
    path("<uuid:plan_uid>/ajouter/<str:kind>/", views.item_create, name="item-create"),
    path("<uuid:plan_uid>/elements/<uuid:item_uid>/", views.item_detail, name="item-detail"),
    path(
        "<uuid:plan_uid>/elements/<uuid:item_uid>/modifier/",
        views.item_update,
        name="item-update",
    ),
    path(
        "<uuid:plan_uid>/elements/<uuid:item_uid>/supprimer/",
        views.item_delete,
        name="item-delete",
    ),
    path("<uuid:plan_uid>/elements/<uuid:item_uid>/deplacer/", views.item_move, name="item-move"),
    path(
        "<uuid:plan_uid>/elements/<uuid:item_uid>/historique/",
        views.item_history,
        name="item-history",
    ),
    path(
        "<uuid:plan_uid>/elements/<uuid:item_uid>/commentaires/",
        views.comment_list,
        name="comment-list",
    ),
    path(
        "<uuid:plan_uid>/commentaires/<uuid:comment_uid>/statut/",
        views.comment_resolve,
        name="comment-resolve",
    ),
    path("<uuid:plan_uid>/versions/", views.version_list, name="version-list"),
    path("<uuid:plan_uid>/figer/", views.version_freeze, name="version-freeze"),
    path("<uuid:plan_uid>/versions/<int:number>/", views.version_detail, name="version-detail"),
    path("<uuid:plan_uid>/comparer/", views.plan_diff, name="plan-diff"),
    path("<uuid:plan_uid>/export.xlsx", views.plan_export, name="plan-export"),
    path("<uuid:plan_uid>/importer/", views.plan_import, name="plan-import"),
    path("<uuid:plan_uid>/feuille-de-route/<int:year>/", views.roadmap, name="roadmap"),
]
