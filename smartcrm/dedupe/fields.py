"""The matching-key columns prospects, accounts and contacts carry (see dedupe.keys)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchingKeys(models.Model):
    """Canonical e-mail, phone and name, kept by the services, indexed per organisation, so
    "is there already a record like this one?" is an index lookup, not a table scan."""

    email_normalized = models.CharField(
        _("e-mail (for matching)"), max_length=254, blank=True, editable=False
    )
    phone_e164 = models.CharField(
        _("phone in E.164 (for matching)"), max_length=16, blank=True, editable=False
    )
    name_key = models.CharField(
        _("name (for matching)"), max_length=200, blank=True, editable=False
    )

    class Meta:
        abstract = True
