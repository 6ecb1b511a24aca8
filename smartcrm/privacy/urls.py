"""Web pages of privacy: a person's data as a JSON file, and the erasure's dialog."""

from django.urls import path

from smartcrm.privacy import views

app_name = "privacy"

urlpatterns = [
    path(
        "contacts/<uuid:contact_id>/personal-data/",
        views.contact_personal_data,
        name="contact-personal-data",
    ),
    path("contacts/<uuid:contact_id>/erase/", views.contact_erase, name="contact-erase"),
    path(
        "prospects/<uuid:prospect_id>/personal-data/",
        views.prospect_personal_data,
        name="prospect-personal-data",
    ),
    path("prospects/<uuid:prospect_id>/erase/", views.prospect_erase, name="prospect-erase"),
]
