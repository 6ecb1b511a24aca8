from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "smartcrm.web"
    label = "web"
    verbose_name = _("Web")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from smartcrm.web.sessions import stamp_login

        # Every way of logging in (the login page, the admin's, the test client) passes here.
        user_logged_in.connect(stamp_login, dispatch_uid="smartcrm.web.sessions.stamp_login")
