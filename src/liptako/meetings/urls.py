from __future__ import annotations

from django.urls import path

from liptako.meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="meeting-list"),
    path("calendrier/", views.meeting_calendar, name="calendar"),
    path("calendrier/abonnement/", views.calendar_feed_settings, name="calendar-feed-settings"),
    path("calendrier/flux/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("suivis/", views.follow_up_list, name="follow-up-list"),
    path("quorums/", views.quorum_settings, name="quorum-settings"),
    path("nouvelle/", views.meeting_create, name="meeting-create"),
    path("<uuid:meeting_uuid>/", views.meeting_detail, name="meeting-detail"),
    path("<uuid:meeting_uuid>/modifier/", views.meeting_edit, name="meeting-edit"),
    path("<uuid:meeting_uuid>/statut/", views.meeting_transition, name="meeting-transition"),
    path(
        "<uuid:meeting_uuid>/invitations/",
        views.meeting_invitations_resend,
        name="meeting-invitations-resend",
    ),
    path("<uuid:meeting_uuid>/reunion.ics", views.meeting_ics, name="meeting-ics"),
    path(
        "<uuid:meeting_uuid>/proces-verbal.docx",
        views.minutes_export,
        {"fmt": "docx"},
        name="minutes-export",
    ),
    path(
        "<uuid:meeting_uuid>/proces-verbal.pdf",
        views.minutes_export,
        {"fmt": "pdf"},
        name="minutes-export-pdf",
    ),
    path(
        "<uuid:meeting_uuid>/ordre-du-jour/ajouter/", views.agenda_item_add, name="agenda-item-add"
    ),
    path("<uuid:meeting_uuid>/ordre-du-jour/ordre/", views.agenda_reorder, name="agenda-reorder"),
    path(
        "<uuid:meeting_uuid>/ordre-du-jour/<int:item_id>/",
        views.agenda_item_edit,
        name="agenda-item-edit",
    ),
    path(
        "<uuid:meeting_uuid>/ordre-du-jour/<int:item_id>/deplacer/",
        views.agenda_item_move,
        name="agenda-item-move",
    ),
    path(
        "<uuid:meeting_uuid>/ordre-du-jour/<int:item_id>/supprimer/",
        views.agenda_item_remove,
        name="agenda-item-remove",
    ),
    path("<uuid:meeting_uuid>/delegations/ajouter/", views.attendance_add, name="attendance-add"),
    path(
        "<uuid:meeting_uuid>/delegations/<int:attendance_id>/",
        views.attendance_edit,
        name="attendance-edit",
    ),
    path(
        "<uuid:meeting_uuid>/delegations/<int:attendance_id>/retirer/",
        views.attendance_remove,
        name="attendance-remove",
    ),
    path("<uuid:meeting_uuid>/decisions/ajouter/", views.decision_add, name="decision-add"),
    path("decisions/<uuid:decision_uuid>/", views.decision_edit, name="decision-edit"),
    path("decisions/<uuid:decision_uuid>/suivi/", views.follow_up_status, name="follow-up-status"),
    path(
        "<uuid:meeting_uuid>/proces-verbal/<int:item_id>/",
        views.minutes_section_edit,
        name="minutes-section-edit",
    ),
    path(
        "<uuid:meeting_uuid>/proces-verbal/statut/",
        views.minutes_transition,
        name="minutes-transition",
    ),
    path(
        "<uuid:meeting_uuid>/communique/rediger/",
        views.communique_generate,
        name="communique-generate",
    ),
    path(
        "<uuid:meeting_uuid>/communique/<str:language>/",
        views.communique_detail,
        name="communique-detail",
    ),
    path(
        "<uuid:meeting_uuid>/communique/<str:language>/approuver/",
        views.communique_approve,
        name="communique-approve",
    ),
    path(
        "<uuid:meeting_uuid>/communique/<str:language>/export.<str:fmt>",
        views.communique_export,
        name="communique-export",
    ),
]
