from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "smartcrm.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from smartcrm.activities.models import Activity
        from smartcrm.core.modules import Module
        from smartcrm.core.registry import ChildKind, register_child

        register_child(
            ChildKind(
                key="activities",
                model=Activity,
                parents=("prospect", "account", "offer"),
                module=Module.ACTIVITIES,
            )
        )
