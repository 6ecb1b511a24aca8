from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "smartcrm.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        register_mount(
            Mount(
                app="activities",
                order=70,
                router="smartcrm.activities.api",
                urls="smartcrm.activities.urls",
                record_pages={"activity": "activities:activity"},
            )
        )

        from smartcrm.activities.models import Activity
        from smartcrm.activities.search import activity_document
        from smartcrm.core.job_owners import JobKind, register_job
        from smartcrm.core.modules import Module
        from smartcrm.core.registry import ChildKind, TimelineSpec, register_child
        from smartcrm.core.search import SearchableKind, register_searchable

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
        # Found by the search box of their lists only: the global search leaves them out.
        register_searchable(
            SearchableKind(
                key="activity",
                grant="activities",
                model=Activity,
                document=activity_document,
                module=Module.ACTIVITIES,
                related=("prospect", "account", "offer"),
                parents=(("prospect", "prospect"), ("account", "account"), ("offer", "offer")),
                global_search=False,
            )
        )

        register_job(
            JobKind(
                task_path="smartcrm.activities.services.activity_reminder_send",
                label=_("Activity reminder"),
                model=Activity,
                argument="activity_id",
            )
        )
        from smartcrm.trash.kinds import TrashableKind, register_trashable

        register_trashable(
            TrashableKind(
                key="activity",
                model=Activity,
                route="activities",
                module=Module.ACTIVITIES,
                holder=lambda activity: activity.owner_id,
                parents=("prospect", "account", "offer"),
            )
        )
