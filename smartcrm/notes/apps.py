from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotesConfig(AppConfig):
    name = "smartcrm.notes"
    label = "notes"
    verbose_name = _("Notes")

    def ready(self) -> None:
        from smartcrm.core.modules import Module
        from smartcrm.core.registry import ChildKind, TimelineSpec, register_child
        from smartcrm.notes.models import Note

        register_child(
            ChildKind(
                key="notes",
                model=Note,
                parents=("prospect", "account", "offer"),
                module=Module.NOTES,
                timeline=TimelineSpec(kind="note", title_field="body", body_field="body"),
            )
        )
