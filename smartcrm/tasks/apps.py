from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "smartcrm.tasks"
    label = "tasks"
    verbose_name = _("Tasks")

    def ready(self) -> None:
        from smartcrm.core.modules import Module
        from smartcrm.core.registry import ChildKind, TimelineSpec, register_child
        from smartcrm.tasks.models import Task

        register_child(
            ChildKind(
                key="tasks",
                model=Task,
                parents=("prospect", "account", "offer"),
                module=Module.TASKS,
                timeline=TimelineSpec(
                    kind="task",
                    title_field="title",
                    body_field="description",
                    status_field="status",
                    when_field="due_at",
                    user_field="assignee_id",
                ),
            )
        )
