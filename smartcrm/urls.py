from django.contrib import admin
from django.urls import include, path

from smartcrm.api.api import api

# Each app's web pages come from its own urls.py (namespaced by the app); the paths are
# distinct ("prospects/…", "tasks/…"), so they all hang off the root.
APP_PAGES = [
    "sales",
    "contacts",
    "activities",
    "tasks",
    "notes",
    "catalog",
    "core",
    "notifications",
    "agenda",
    "dedupe",
    "exports",
    "imports",
    "jobs",
    "audit",
    "trash",
    "privacy",
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    *[path("", include(f"smartcrm.{app}.urls")) for app in APP_PAGES],
    path("", include("smartcrm.web.urls")),
]
