from __future__ import annotations

from django.urls import path

from liptako.alliance import views

app_name = "alliance"

urlpatterns = [
    path("", views.index, name="index"),
    path("etats/nouveau/", views.member_state_create, name="member-state-create"),
    path("etats/<str:code>/", views.member_state_detail, name="member-state"),
    path("etats/<str:code>/modifier/", views.member_state_update, name="member-state-update"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/export.csv", views.organisation_export, name="organisation-export"),
    path("organisations/nouvelle/", views.organisation_create, name="organisation-create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path(
        "organisations/<int:pk>/modifier/",
        views.organisation_update,
        name="organisation-update",
    ),
    path("personnes/", views.person_list, name="person-list"),
    path("personnes/export.csv", views.person_export, name="person-export"),
    path("personnes/nouvelle/", views.person_create, name="person-create"),
    path("personnes/<int:pk>/", views.person_detail, name="person"),
    path("personnes/<int:pk>/modifier/", views.person_update, name="person-update"),
    path("personnes/<int:pk>/postes/nouveau/", views.position_create, name="position-create"),
    path("postes/<int:pk>/modifier/", views.position_update, name="position-update"),
    path("postes/<int:pk>/terminer/", views.position_end, name="position-end"),
]
