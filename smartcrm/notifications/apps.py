from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "smartcrm.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        register_mount(
            Mount(
                app="notifications",
                order=130,
                router="smartcrm.notifications.api",
                urls="smartcrm.notifications.urls",
            )
        )

        from smartcrm.core.job_owners import JobKind, register_job
        from smartcrm.notifications.models import Notification

        register_job(
            JobKind(
                task_path="smartcrm.notifications.services.notification_email_send",
                label=_("Notification e-mail"),
                model=Notification,
                argument="notification_id",
            )
        )
