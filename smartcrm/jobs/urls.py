"""Web pages of the background jobs (included at the site root by smartcrm/urls.py)."""

from django.urls import path

from smartcrm.jobs import views

app_name = "jobs"

urlpatterns = [
    path("settings/jobs/", views.overview, name="overview"),
    path("settings/jobs/banner/", views.banner, name="banner"),
    path("settings/jobs/<uuid:job_id>/retry/", views.job_retry, name="retry"),
    path("settings/jobs/<uuid:job_id>/discard/", views.job_discard, name="discard"),
]
