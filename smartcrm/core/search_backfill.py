"""Filling the search index from a data migration, for kinds that join it later.

Migrations never import models: these functions take the migration's historical models
(which have no methods, so the record's name is computed here from its columns) and build
index rows with ``core.search.search_entry_fields``, a pure function. Rows already there
(``smartcrm search_reindex`` ran first) are left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BATCH = 2000


def parent_name(row: Any) -> str:
    """What ``str()`` of the row's prospect, account or offer says (sales.models)."""
    prospect, account, offer = row.prospect, row.account, row.offer
    if prospect is not None:
        person = f"{prospect.first_name} {prospect.last_name}".strip()
        if prospect.kind == "company" and prospect.company_name:
            return str(prospect.company_name)
        return person or str(prospect.company_name)
    if account is not None:
        return str(account.name)
    if offer is not None:
        return f"{offer.number} {offer.title}"
    return ""


def backfill(
    apps: Any, *, app_label: str, model_name: str, kind: str, document: Callable[[Any, str], Any]
) -> int:
    """Index every row of ``app_label.model_name`` as ``kind``; ``document(row, parent)``
    is the kind's document function. Returns the rows written."""
    from smartcrm.core.search import search_entry_fields

    model = apps.get_model(app_label, model_name)
    search_entry = apps.get_model("core", "SearchEntry")
    rows = model.objects.select_related("prospect", "account", "offer").order_by("pk")
    written = 0
    batch: list[Any] = []
    for row in rows.iterator(chunk_size=BATCH):
        batch.append(
            search_entry(
                organization_id=row.organization_id,
                kind=kind,
                object_id=row.pk,
                **search_entry_fields(document(row, parent_name(row))),
            )
        )
        if len(batch) >= BATCH:
            search_entry.objects.bulk_create(batch, ignore_conflicts=True)
            written += len(batch)
            batch = []
    search_entry.objects.bulk_create(batch, ignore_conflicts=True)
    return written + len(batch)
