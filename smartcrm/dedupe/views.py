"""Web edge of duplicates: the groups of likely duplicates per kind, and the merge screen."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from smartcrm.core.errors import DomainError, NotFound
from smartcrm.core.models import Membership
from smartcrm.dedupe import selectors, services
from smartcrm.dedupe.forms import MergeForm
from smartcrm.web.decorators import member_view
from smartcrm.web.forms import add_domain_error

# The page's kind (plural, in the URL) → the dedupe kind, its title and its detail page.
PAGES: dict[str, tuple[str, Any, str]] = {
    "prospects": ("prospect", _("Duplicate prospects"), "sales:prospect"),
    "accounts": ("account", _("Duplicate accounts"), "sales:account"),
    "contacts": ("contact", _("Duplicate contacts"), "contacts:contact"),
}
ID_ARGUMENT = {"prospect": "prospect_id", "account": "account_id", "contact": "contact_id"}


def _page(kinds: str) -> tuple[str, Any, str]:
    try:
        return PAGES[kinds]
    except KeyError:
        raise Http404("Not found.") from None


def _detail_url(kind: str, url_name: str, record: Any) -> str:
    return reverse(url_name, kwargs={ID_ARGUMENT[kind]: record.pk})


@member_view
def groups(request: HttpRequest, membership: Membership, kinds: str) -> HttpResponse:
    """The groups of likely duplicates of one kind, each with a link to merge it."""
    kind, title, url_name = _page(kinds)
    found = selectors.duplicate_groups(org=membership.organization, kind=kind, member=membership)
    rows = [
        {
            "group": group,
            "records": [(record, _detail_url(kind, url_name, record)) for record in group.records],
            "labels": [selectors.MATCH_LABELS[reason] for reason in group.matched],
            "ids": "&".join(f"ids={record.pk}" for record in group.records),
        }
        for group in found
    ]
    return render(
        request,
        "dedupe/groups.html",
        {"title": title, "kinds": kinds, "groups": rows, "pages": PAGES, "kind": kind},
    )


def _field_rows(form: MergeForm, records: list[Any]) -> list[dict[str, Any]]:
    """One row per field: its label, and per record the value and the radio to keep it."""
    rows = []
    model = type(records[0])
    for name in form.merge_fields:
        model_field = model._meta.get_field(name.removesuffix("_id"))
        bound = form[f"keep_{name}"]
        values = []
        for record, radio in zip(records, bound, strict=True):
            display = getattr(record, f"get_{model_field.name}_display", None)
            value = display() if display else getattr(record, model_field.name)
            if isinstance(value, bool):
                value = _("yes") if value else _("no")
            values.append({"value": "" if value is None else value, "radio": radio})
        if len({str(v["value"]) for v in values}) > 1:  # equal everywhere: nothing to choose
            rows.append({"label": model_field.verbose_name, "values": values})
    return rows


def _versions(values: list[str]) -> dict[str, int]:
    """The records' versions the page showed ("id:version"); a malformed one is ignored."""
    versions = {}
    for value in values:
        record_id, _sep, version = value.partition(":")
        if version.isdigit():
            versions[record_id] = int(version)
    return versions


@member_view
def merge(request: HttpRequest, membership: Membership, kinds: str) -> HttpResponse:
    """Pick the record that stays and, field by field, the value to keep; then merge."""
    kind, title, url_name = _page(kinds)
    org = membership.organization
    spec = selectors.dedupe_kind(kind)
    ids = request.POST.getlist("ids") if request.method == "POST" else request.GET.getlist("ids")
    try:
        records = list(spec.queryset(org, membership).filter(pk__in=ids).order_by("created_at"))
    except (ValueError, TypeError, ValidationError):  # a malformed id is "not found"
        records = []
    if len(records) < 2 or len(records) != len(set(ids)):
        raise Http404("Not found.")
    fields = list(services.merge_fields(kind))
    initial: dict[str, Any] = {"survivor": str(records[0].pk), "version": records[0].version}
    for name in fields:
        initial[f"keep_{name}"] = str(records[0].pk)
    form = MergeForm(
        request.POST if request.method == "POST" else None,
        records=records,
        fields=fields,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        survivor_id = form.cleaned_data["survivor"]
        try:
            merged = services.records_merge(
                org=org,
                user=membership.user,
                kind=kind,
                survivor_id=survivor_id,
                merged_ids=[str(r.pk) for r in records if str(r.pk) != survivor_id],
                keep=form.keep(),
                versions=_versions(request.POST.getlist("versions")),
            )
        except NotFound:
            raise Http404("Not found.") from None
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect(_detail_url(kind, url_name, merged.survivor))
    return render(
        request,
        "dedupe/merge.html",
        {
            "title": title,
            "kinds": kinds,
            "form": form,
            "records": records,
            "survivor_radios": list(form["survivor"]),
            "rows": _field_rows(form, records),
        },
    )
