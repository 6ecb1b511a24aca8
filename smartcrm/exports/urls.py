from django.urls import path

from smartcrm.exports import views

app_name = "exports"

urlpatterns = [
    # {% url "exports:download" "prospects" %}?format=xlsx&<the list's query string>
    path("exports/<str:kind>/", views.download, name="download"),
]
