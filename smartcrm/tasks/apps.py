from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "smartcrm.tasks"
    label = "tasks"
    verbose_name = _("Tasks")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        register_mount(
            Mount(
                app="tasks",
                order=90,
                router="smartcrm.tasks.api",
                urls="smartcrm.tasks.urls",
                record_pages={"task": "tasks:task"},
            )
        )

        from smartcrm.core.job_owners import JobKind, register_job
        from smartcrm.core.modules import Module
        from smartcrm.core.registry import ChildKind, TimelineSpec, register_child
        from smartcrm.core.search import SearchableKind, register_searchable
        from smartcrm.tasks.models import Task
        from smartcrm.tasks.search import task_document

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
        # Found by the search box of their lists only: the global search leaves them out.
        register_searchable(
            SearchableKind(
                key="task",
                grant="tasks",
                model=Task,
                document=task_document,
                module=Module.TASKS,
                related=("prospect", "account", "offer"),
                parents=(("prospect", "prospect"), ("account", "account"), ("offer", "offer")),
                global_search=False,
            )
        )

        register_job(
            JobKind(
                task_path="smartcrm.tasks.services.task_reminder_send",
                label=_("Task reminder"),
                model=Task,
                argument="task_id",
            )
        )
        from smartcrm.trash.kinds import TrashableKind, register_trashable

        register_trashable(
            TrashableKind(
                key="task",
                model=Task,
                route="tasks",
                module=Module.TASKS,
                holder=lambda task: task.assignee_id or task.created_by_id,
                parents=("prospect", "account", "offer"),
            )
        )
