"""Web pages of the contacts app (included at the site root by smartcrm/urls.py)."""

from django.urls import path

from smartcrm.contacts import pages, views

app_name = "contacts"

urlpatterns: list = [
    # contact pages
    path("contacts/", pages.contact_list, name="contact-list"),
    path("contacts/<uuid:contact_id>/", pages.contact_detail, name="contact"),
    # the contacts section of a record page, and its dialogs
    path("contacts/section/<str:parent_kind>/<uuid:parent_id>/", views.section, name="section"),
    path(
        "contacts/section/<str:parent_kind>/<uuid:parent_id>/new/",
        views.contact_create,
        name="contact-create",
    ),
    path("contacts/<uuid:contact_id>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<uuid:contact_id>/delete/", views.contact_delete, name="contact-delete"),
    path("contacts/offer/<uuid:offer_id>/add/", views.offer_contact_add, name="offer-contact-add"),
    path(
        "contacts/offer/<uuid:offer_id>/remove/",
        views.offer_contact_remove,
        name="offer-contact-remove",
    ),
]
