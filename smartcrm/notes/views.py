"""Web edge of the notes module: the notes section of a record page, its dialogs, and a
note's address (which leads to its record)."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smartcrm.core.choices import Role
from smartcrm.core.errors import DomainError, NotFound
from smartcrm.core.models import Membership
from smartcrm.core.modules import Module, module_enabled
from smartcrm.core.permissions import has_role
from smartcrm.notes import selectors, services
from smartcrm.notes.forms import NoteForm
from smartcrm.notes.models import Note
from smartcrm.web.decorators import member_view
from smartcrm.web.dialogs import (
    changed,
    dialog_or_page,
    refused,
    section_parent,
    show_error,
    takes_new_children,
)
from smartcrm.web.forms import version_from
from smartcrm.web.records_urls import record_url

EVENT = "notes-changed"
SECTION_LIMIT = 50
PARENTS = ("prospect", "account", "offer")


def _module_on(membership: Membership) -> None:
    if not module_enabled(membership.organization, Module.NOTES):
        raise Http404("Not found.")


def _note(membership: Membership, note_id: uuid.UUID) -> Note:
    _module_on(membership)
    try:
        return selectors.note_get(member=membership, note_id=note_id)
    except NotFound:
        raise Http404("Not found.") from None


def _parent_url(note: Note) -> str:
    for kind in PARENTS:
        parent_id = getattr(note, f"{kind}_id")
        if parent_id:
            return record_url(kind, parent_id)
    return ""


@member_view
@require_GET
def section(
    request: HttpRequest, membership: Membership, parent_kind: str, parent_id: uuid.UUID
) -> HttpResponse:
    _module_on(membership)
    parent = section_parent(membership, parent_kind, parent_id)
    notes = list(
        selectors.record_notes(member=membership, parent_kind=parent_kind, parent=parent)[
            : SECTION_LIMIT + 1
        ]
    )
    context = {
        "parent": parent,
        "parent_kind": parent_kind,
        "notes": notes[:SECTION_LIMIT],
        "more": len(notes) > SECTION_LIMIT,
        "section_url": reverse("notes:section", args=[parent_kind, parent.pk]),
        "back": record_url(parent_kind, parent.pk),
        "can_add": takes_new_children(parent),
        # Who may change any note (the service has the last word; this only hides buttons).
        "edits_all": has_role(membership, Role.MANAGER),
        "user_id": membership.user_id,
    }
    return render(request, "notes/partials/section.html", context)


@member_view
@require_http_methods(["GET", "POST"])
def note_create(
    request: HttpRequest, membership: Membership, parent_kind: str, parent_id: uuid.UUID
) -> HttpResponse:
    _module_on(membership)
    parent = section_parent(membership, parent_kind, parent_id)
    context = {
        "title": _("Add a note"),
        "action": reverse("notes:note-create", args=[parent_kind, parent.pk]),
        "back": record_url(parent_kind, parent.pk),
        "submit_label": _("Save"),
        "testid": "note-form",
    }
    if request.method == "GET":
        return dialog_or_page(request, {**context, "form": NoteForm()})
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_create(
                org=membership.organization,
                user=membership.user,
                body=form.cleaned_data["body"],
                pinned=form.cleaned_data["pinned"],
                **{f"{parent_kind}_id": parent.pk},
            )
        except DomainError as error:
            show_error(form, error)
        else:
            return changed(request, EVENT, fallback=context["back"])
    return dialog_or_page(request, {**context, "form": form}, status=422)


@member_view
@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, membership: Membership, note_id: uuid.UUID) -> HttpResponse:
    note = _note(membership, note_id)
    context = {
        "title": _("Change the note"),
        "action": reverse("notes:note-edit", args=[note.pk]),
        "back": _parent_url(note),
        "submit_label": _("Save"),
        "testid": "note-form",
    }
    if request.method == "GET":
        return dialog_or_page(request, {**context, "form": NoteForm(note=note)})
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_update(
                org=membership.organization,
                user=membership.user,
                note_id=note.pk,
                version=form.cleaned_data["version"],
                body=form.cleaned_data["body"],
                pinned=form.cleaned_data["pinned"],
            )
        except DomainError as error:
            show_error(form, error)
        else:
            return changed(request, EVENT, fallback=context["back"])
    return dialog_or_page(request, {**context, "form": form}, status=422)


@member_view
@require_POST
def note_delete(request: HttpRequest, membership: Membership, note_id: uuid.UUID) -> HttpResponse:
    note = _note(membership, note_id)
    back = _parent_url(note)
    try:
        services.note_delete(
            org=membership.organization,
            user=membership.user,
            note_id=note.pk,
            version=version_from(request.POST),
        )
    except DomainError as error:
        return refused(request, error, fallback=back)
    return changed(request, EVENT, fallback=back, close_dialog=False)


@member_view
@require_GET
def note_detail(request: HttpRequest, membership: Membership, note_id: uuid.UUID) -> HttpResponse:
    """A note has no page of its own: its address leads to its record."""
    note = _note(membership, note_id)
    return HttpResponseRedirect(_parent_url(note) or "/")
