from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "smartcrm.contacts"
    label = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from smartcrm.core.mounts import Mount, register_mount

        register_mount(
            Mount(
                app="contacts",
                order=60,
                router="smartcrm.contacts.api",
                urls="smartcrm.contacts.urls",
                record_pages={"contact": "contacts:contact"},
            )
        )

        from smartcrm.contacts.models import Contact
        from smartcrm.contacts.search import contact_document
        from smartcrm.contacts.services import give_up_primary_before_move
        from smartcrm.core.modules import Module
        from smartcrm.core.registry import ChildKind, register_child
        from smartcrm.core.search import SearchableKind, register_searchable

        register_child(
            ChildKind(
                key="contacts",
                model=Contact,
                parents=("prospect", "account"),
                module=Module.SALES,
                before_move=give_up_primary_before_move,
            )
        )
        register_searchable(
            SearchableKind(
                key="contact",
                grant="contacts",
                model=Contact,
                document=contact_document,
                module=Module.SALES,
                related=("prospect", "account"),
                parents=(("prospect", "prospect"), ("account", "account")),
            )
        )
        from smartcrm.contacts.services import contact_holder, primary_taken
        from smartcrm.trash.kinds import TrashableKind, register_trashable

        register_trashable(
            TrashableKind(
                key="contact",
                model=Contact,
                route="contacts",
                module=Module.SALES,
                holder=contact_holder,
                parents=("prospect", "account"),
                conflicts=primary_taken,
            )
        )
