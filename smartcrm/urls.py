from django.contrib import admin
from django.urls import include, path

from smartcrm.api.api import api
from smartcrm.core.mounts import load_urls, mounts

# Each app declares its web pages (its urls.py, namespaced by the app) in its AppConfig
# (core.mounts); the paths are distinct ("prospects/…", "tasks/…"), so they hang off the root.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    *[path(mount.urls_prefix, include(load_urls(mount))) for mount in mounts() if mount.urls],
    path("", include("smartcrm.web.urls")),
]
