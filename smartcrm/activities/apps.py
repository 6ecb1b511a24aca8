from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "smartcrm.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from smartcrm.activities.models import Activity
        from smartcrm.core.modules import Module
        from smartcrm.core.registry import ChildKind, TimelineSpec, register_child

        register_child(
            ChildKind(
                key="activities",
                model=Activity,
                parents=("prospect", "account", "offer"),
                module=Module.ACTIVITIES,
                timeline=TimelineSpec(
                    kind="activity",
                    title_field="subject",
                    body_field="description",
                    status_field="status",
                    when_field="start_at",
                    user_field="owner_id",
                ),
            )
        )
