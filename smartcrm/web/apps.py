from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "smartcrm.web"
    label = "web"
    verbose_name = _("Web")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.core import checks

        from smartcrm.web.checks import check_url_names
        from smartcrm.web.sessions import audit_failed_login, audit_login, stamp_login

        checks.register(check_url_names, checks.Tags.urls)
        # Every way of logging in (the login page, the admin's, the test client) passes here.
        user_logged_in.connect(stamp_login, dispatch_uid="smartcrm.web.sessions.stamp_login")
        # The audit log's logins: Django announces them only through these signals, so they
        # are received here, at the edge, and handed to the audit log's service.
        user_logged_in.connect(audit_login, dispatch_uid="smartcrm.web.sessions.audit_login")
        user_login_failed.connect(
            audit_failed_login, dispatch_uid="smartcrm.web.sessions.audit_failed_login"
        )
