from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "smartcrm.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        register_mount(
            Mount(app="audit", order=50, router="smartcrm.audit.api", urls="smartcrm.audit.urls")
        )

        from smartcrm.audit.services import audit_write
        from smartcrm.core.audit import register_writer

        register_writer(audit_write)
