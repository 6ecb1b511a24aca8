from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotesConfig(AppConfig):
    name = "smartcrm.notes"
    label = "notes"
    verbose_name = _("Notes")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        register_mount(
            Mount(
                app="notes",
                order=80,
                router="smartcrm.notes.api",
                urls="smartcrm.notes.urls",
                record_pages={"note": "notes:note"},
            )
        )

        from smartcrm.core.modules import Module
        from smartcrm.core.registry import ChildKind, TimelineSpec, register_child
        from smartcrm.core.search import SearchableKind, register_searchable
        from smartcrm.notes.models import Note
        from smartcrm.notes.search import note_document

        register_child(
            ChildKind(
                key="notes",
                model=Note,
                parents=("prospect", "account", "offer"),
                module=Module.NOTES,
                timeline=TimelineSpec(kind="note", title_field="body", body_field="body"),
            )
        )
        # Found by the search box of their lists only: the global search leaves them out.
        register_searchable(
            SearchableKind(
                key="note",
                grant="notes",
                model=Note,
                document=note_document,
                module=Module.NOTES,
                related=("prospect", "account", "offer"),
                parents=(("prospect", "prospect"), ("account", "account"), ("offer", "offer")),
                global_search=False,
            )
        )
        from smartcrm.trash.kinds import TrashableKind, register_trashable

        register_trashable(
            TrashableKind(
                key="note",
                model=Note,
                route="notes",
                module=Module.NOTES,
                holder=lambda note: note.created_by_id,
                parents=("prospect", "account", "offer"),
            )
        )
