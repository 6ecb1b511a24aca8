from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "smartcrm.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from smartcrm.audit.services import audit_write
        from smartcrm.core.audit import register_writer

        register_writer(audit_write)
