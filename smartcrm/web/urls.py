from django.contrib.auth import views as auth_views
from django.urls import path

from smartcrm.web import views
from smartcrm.web.forms import EmailAuthenticationForm

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", authentication_form=EmailAuthenticationForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("org/<slug:slug>/", views.switch_organisation, name="switch-organisation"),
    path("healthz", views.healthz, name="healthz"),
]
