from django.contrib.auth import views as auth_views
from django.urls import include, path

from smartcrm.web import records, views
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
    path("offers/<uuid:offer_id>/", records.offer_detail, name="offer"),
    path("offers/<uuid:offer_id>/pdf", records.offer_pdf, name="offer-pdf"),
    path("offers/<uuid:offer_id>/send", records.offer_send, name="offer-send"),
    path("prospects/<uuid:prospect_id>/", records.prospect_detail, name="prospect"),
    path("accounts/<uuid:account_id>/", records.account_detail, name="account"),
    path(
        "<str:kind>s/<uuid:record_id>/fill-from-anaf", records.fill_from_anaf, name="fill-from-anaf"
    ),
    path("settings/", records.organisation_settings, name="settings"),
    path("settings/fetch-bnr", records.fetch_bnr_rates, name="fetch-bnr"),
    path("healthz", views.healthz, name="healthz"),
    path("o/", include("smartcrm.outreach.urls")),
]
