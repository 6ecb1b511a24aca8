"""Public pages a client opens from the offer e-mail (no login): mounted at /o/."""

from django.urls import path

from smartcrm.outreach import views
from smartcrm.outreach.choices import LinkDecision

app_name = "outreach"

urlpatterns = [
    path("<str:token>/", views.offer_page, name="offer"),
    path("<str:token>/pdf", views.offer_pdf, name="pdf"),
    path("<str:token>/accept", views.decide, {"decision": LinkDecision.ACCEPTED}, name="accept"),
    path("<str:token>/decline", views.decide, {"decision": LinkDecision.DECLINED}, name="decline"),
]
