"""What the integrations keep: ANAF's answers, cached for a day."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AnafCompanyCache(models.Model):
    """ANAF's answer about one CUI for one day. ANAF's register is public, so the row is
    shared by every organisation (it is not tenant data) and holds nothing of theirs."""

    cui = models.CharField(_("CUI"), max_length=10)
    day = models.DateField(_("day"))
    # {"found": <ANAF's entry>} or {"found": null} when ANAF does not know the CUI
    payload = models.JSONField(_("answer"))
    fetched_at = models.DateTimeField(_("fetched at"), auto_now=True)

    class Meta:
        verbose_name = _("ANAF answer")
        verbose_name_plural = _("ANAF answers")
        constraints = [
            models.UniqueConstraint(fields=["cui", "day"], name="anaf_cache_unique_cui_day")
        ]
        indexes = [models.Index(fields=["fetched_at"], name="anaf_cache_fetched_idx")]

    def __str__(self) -> str:
        return f"{self.cui} @ {self.day}"
