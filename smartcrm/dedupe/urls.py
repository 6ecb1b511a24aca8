from django.urls import path

from smartcrm.dedupe import views

app_name = "dedupe"

urlpatterns = [
    path("duplicates/<str:kinds>/", views.groups, name="groups"),
    path("duplicates/<str:kinds>/merge/", views.merge, name="merge"),
]
