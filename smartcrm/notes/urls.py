"""Web pages of the notes app (included at the site root by smartcrm/urls.py)."""

from django.urls import path

from smartcrm.notes import views

app_name = "notes"

urlpatterns: list = [
    path("notes/section/<str:parent_kind>/<uuid:parent_id>/", views.section, name="section"),
    path(
        "notes/section/<str:parent_kind>/<uuid:parent_id>/new/",
        views.note_create,
        name="note-create",
    ),
    path("notes/<uuid:note_id>/", views.note_detail, name="note"),
    path("notes/<uuid:note_id>/edit/", views.note_edit, name="note-edit"),
    path("notes/<uuid:note_id>/delete/", views.note_delete, name="note-delete"),
]
