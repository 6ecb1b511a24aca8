"""What a page says about the trash: how long a deleted record can be restored."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def trash_days() -> int:
    """Days a deleted record stays restorable (SMARTCRM_TRASH_DAYS)."""
    return int(settings.SMARTCRM_TRASH_DAYS)
