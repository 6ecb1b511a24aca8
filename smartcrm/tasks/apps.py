from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "smartcrm.tasks"
    label = "tasks"
    verbose_name = _("Tasks")

    def ready(self) -> None:
        from smartcrm.core.modules import Module
        from smartcrm.core.registry import ChildKind, register_child
        from smartcrm.tasks.models import Task

        register_child(
            ChildKind(
                key="tasks",
                model=Task,
                parents=("prospect", "account", "offer"),
                module=Module.TASKS,
            )
        )
