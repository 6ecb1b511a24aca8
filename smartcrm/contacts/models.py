"""People at a prospect or an account, and the ones chosen for an offer."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smartcrm.contacts.choices import ContactDepartment
from smartcrm.core.models import (
    Organization,
    TenantModel,
    TenantQuerySet,
    organization_field,
)
from smartcrm.core.registry import parent_constraint
from smartcrm.dedupe.fields import MatchingKeys
from smartcrm.trash.models import Trashable, trash_index


class Contact(MatchingKeys, Trashable):
    """A person at exactly one prospect or account."""

    organization = organization_field(indexed=False)  # every index here leads with it

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    department = models.CharField(
        _("department"), max_length=20, choices=ContactDepartment.choices, blank=True
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)
    prospect = models.ForeignKey(
        "sales.Prospect", on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )
    account = models.ForeignKey(
        "sales.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )

    # Held by their prospect's or account's owner (core.models.held_by).
    HOLDER_FIELDS: ClassVar[tuple[str, ...]] = ()
    HELD_THROUGH: ClassVar[tuple[str, ...]] = ("prospect", "account")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name"]
        constraints = [
            parent_constraint(name="contact_exactly_one_parent", fields=("prospect", "account")),
            models.UniqueConstraint(
                fields=["prospect"],
                condition=Q(is_primary=True, trash__isnull=True),
                name="contact_one_primary_per_prospect",
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(is_primary=True, trash__isnull=True),
                name="contact_one_primary_per_account",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "last_name", "id"], name="contact_org_lastname_idx"
            ),
            models.Index(fields=["organization", "email"], name="contact_org_email_idx"),
            models.Index(fields=["organization", "phone"], name="contact_org_phone_idx"),
            models.Index(
                fields=["organization", "email_normalized"], name="contact_org_email_key_idx"
            ),
            models.Index(fields=["organization", "phone_e164"], name="contact_org_phone_key_idx"),
            models.Index(fields=["organization", "name_key"], name="contact_org_name_key_idx"),
            trash_index("contact"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class LiveContactLinks(models.Manager["OfferContact"]):
    """Links to contacts in the trash are kept (a restore brings them back) but not shown."""

    def get_queryset(self) -> TenantQuerySet:
        return TenantQuerySet(self.model, using=self._db).filter(contact__trash__isnull=True)

    def for_org(self, org: Organization) -> TenantQuerySet:
        return self.get_queryset().for_org(org)


class OfferContact(TenantModel):
    """A contact of the offer's account, chosen to receive the offer."""

    offer = models.ForeignKey(
        "sales.Offer", on_delete=models.CASCADE, related_name="offer_contacts"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="offer_links")

    objects: ClassVar[LiveContactLinks] = LiveContactLinks()  # type: ignore[assignment]  # narrower than TenantModel's

    class Meta:
        verbose_name = _("offer contact")
        verbose_name_plural = _("offer contacts")
        constraints = [
            models.UniqueConstraint(fields=["offer", "contact"], name="offer_contact_unique")
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} → {self.contact_id}"
