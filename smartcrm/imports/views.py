"""Import pages: the list of imports, the upload, and an import's page — the column mapping
and preview report while it is editable, the progress (polled every second) while the
worker checks the file (the preview) or imports it, the counts, undo and rejected rows once
it is done.

No page checks a whole file inside its request: the upload keeps the file and queues the
preview job; the mapping form queues it again. Once the preview is over, the progress
poll asks htmx to reload the page, which then shows the preview report.

Thin views over the imports services and selectors (the same the API calls): parse, call,
render. A service's refusal is shown next to the field it names (422, input kept), or as
a message for a one-click action (cancel, resume, undo).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smartcrm.core.errors import DomainError, NotFound, ValidationFailed
from smartcrm.core.models import Membership
from smartcrm.imports import pages_selectors, selectors, services
from smartcrm.imports.choices import (
    EDITABLE_STATUSES,
    WORKING_STATUSES,
    FileFormat,
    ImportKind,
    ImportStatus,
)
from smartcrm.imports.filters import IMPORT_ORDERINGS, ImportFilters
from smartcrm.imports.forms import (
    UPLOAD_FIELDS,
    CommitForm,
    ConfirmForm,
    MappingForm,
    TemplateForm,
    UploadForm,
)
from smartcrm.imports.models import ImportRun
from smartcrm.web.decorators import is_htmx, member_view, record_or_404
from smartcrm.web.dialogs import (
    dialog_or_page,
    redirect_to,
    refused,
    show_error,
)
from smartcrm.web.lists import list_page

# Rejected rows shown on the page; all of them are in the CSV download.
ERRORS_SHOWN = 50


def _import(membership: Membership, import_id: uuid.UUID) -> ImportRun:
    return record_or_404(ImportRun.objects.select_related("created_by"), membership, import_id)


def _page_url(run: ImportRun) -> str:
    return reverse("imports:import", args=[run.pk])


# --- the list ------------------------------------------------------------------------------


@member_view
@require_GET
def import_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    page = list_page(
        request,
        selectors.import_list(org=membership.organization),
        filters=ImportFilters,
        orderings=IMPORT_ORDERINGS,
        default="-created_at",
        key="imports",
    )
    context = {
        "page": page,
        "default_ordering": page.default_ordering,
        "active_statuses": WORKING_STATUSES,
    }
    if page.is_continuation:
        return render(request, "imports/partials/rows.html", context)
    context.update(kinds=ImportKind.choices, statuses=ImportStatus.choices)
    return render(request, "imports/pages/list.html", context)


# --- the upload ----------------------------------------------------------------------------


def _template_choices(membership: Membership) -> list[tuple[str, str]]:
    return [
        (str(template.pk), f"{template.name} ({ImportKind(template.kind).label})")
        for template in selectors.import_template_list(org=membership.organization)
    ]


@member_view
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    templates = _template_choices(membership)
    if request.method == "GET":
        initial = {"kind": request.GET.get("kind") or ImportKind.PROSPECTS}
        form = UploadForm(initial=initial, templates=templates)
        return render(request, "imports/pages/new.html", {"form": form})
    form = UploadForm(request.POST, request.FILES, templates=templates)
    if form.is_valid():
        org, user = membership.organization, membership.user
        upload = form.cleaned_data["file"]
        try:
            run = services.import_upload(
                org=org,
                user=user,
                kind=form.cleaned_data["kind"],
                file_name=upload.name,
                content=upload.read(),
                encoding=form.cleaned_data["encoding"],
                delimiter=form.cleaned_data["delimiter"],
                template_id=form.cleaned_data["template"] or None,
            )
        except DomainError as error:
            show_error(form, error, fields=UPLOAD_FIELDS)
        else:
            # The dry run goes to the worker; a mapping it cannot use yet (a required field
            # with no column) is shown on the import's page to be fixed.
            try:
                services.import_preview_start(org=org, user=user, import_id=run.pk)
            except ValidationFailed as error:
                for issue in error.issues:
                    if issue.field not in ("mapping", "key"):
                        messages.error(request, issue.message)
            except DomainError as error:
                messages.error(request, error.message)
            return redirect_to(request, _page_url(run))
    too_large = any(error.code == "too_large" for error in form.errors.as_data().get("file", []))
    if too_large:
        return render(request, "imports/pages/new.html", {"form": form}, status=413)
    return render(request, "imports/pages/new.html", {"form": form}, status=422)


# --- an import's page ----------------------------------------------------------------------


def _mapping_form(run: ImportRun, data: Any = None) -> MappingForm:
    return MappingForm(
        data,
        headers=run.headers,
        fields=pages_selectors.import_kind_fields(kind=run.kind),
        keys=pages_selectors.import_kind_keys(kind=run.kind),
        is_csv=run.file_format == FileFormat.CSV,
        initial=MappingForm.initial_for(
            headers=run.headers,
            mapping=run.mapping,
            key=run.key,
            encoding=run.encoding,
            delimiter=run.delimiter,
        ),
    )


def _render_import(
    request: HttpRequest,
    membership: Membership,
    run: ImportRun,
    *,
    mapping_form: MappingForm | None = None,
    commit_form: CommitForm | None = None,
    template_form: TemplateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    editable = run.status in EDITABLE_STATUSES
    context: dict[str, Any] = {
        "run": run,
        "editable": editable,
        "previewed": run.status == ImportStatus.PREVIEWED,
        "issues": pages_selectors.mapping_issues(run=run),
    }
    if editable:
        context.update(
            errors=pages_selectors.rejected_preview(run=run, limit=ERRORS_SHOWN),
            mapping_form=mapping_form or _mapping_form(run),
            commit_form=commit_form or CommitForm(initial={"mode": run.mode}),
            template_form=template_form or TemplateForm(),
        )
    else:
        context.update(_panel_context(run))
    return render(request, "imports/pages/detail.html", context, status=status)


def _panel_context(run: ImportRun) -> dict[str, Any]:
    running = run.status in WORKING_STATUSES
    return {
        "run": run,
        "running": running,
        "previewing": run.status == ImportStatus.PREVIEWING,
        # Once it is over, the rows the import rejected (its rows are final then).
        "errors": [] if running else pages_selectors.rejected_preview(run=run, limit=ERRORS_SHOWN),
        "errors_shown": ERRORS_SHOWN,
        "can_undo": pages_selectors.import_can_undo(run=run),
        "can_resume": run.status == ImportStatus.FAILED
        or pages_selectors.import_is_stalled(run=run),
    }


@member_view
@require_GET
def import_detail(
    request: HttpRequest, membership: Membership, import_id: uuid.UUID
) -> HttpResponse:
    return _render_import(request, membership, _import(membership, import_id))


@member_view
@require_POST
def import_preview(
    request: HttpRequest, membership: Membership, import_id: uuid.UUID
) -> HttpResponse:
    """Check every row again (in the worker) with the mapping, key (and reading) chosen."""
    run = _import(membership, import_id)
    form = _mapping_form(run, request.POST)
    if form.is_valid():
        reread = form.reading_changed(encoding=run.encoding, delimiter=run.delimiter)
        try:
            services.import_preview_start(
                org=membership.organization,
                user=membership.user,
                import_id=run.pk,
                # Read another way, the columns may differ: the service proposes anew.
                mapping=None if reread else form.mapping(),
                key=None if reread else form.cleaned_data["key"],
                encoding=form.cleaned_data.get("encoding") or None,
                delimiter=form.cleaned_data.get("delimiter") or None,
            )
        except DomainError as error:
            if error.kind == "conflict":
                return refused(request, error, fallback=_page_url(run))
            show_error(form, error)
        else:
            messages.success(request, _("The file is being checked again with this mapping."))
            return redirect_to(request, _page_url(run))
    return _render_import(request, membership, run, mapping_form=form, status=422)


@member_view
@require_POST
def import_commit(
    request: HttpRequest, membership: Membership, import_id: uuid.UUID
) -> HttpResponse:
    run = _import(membership, import_id)
    form = CommitForm(request.POST)
    if form.is_valid():
        try:
            services.import_commit(
                org=membership.organization,
                user=membership.user,
                import_id=run.pk,
                mode=form.cleaned_data["mode"],
            )
        except DomainError as error:
            if error.kind != "invalid":
                return refused(request, error, fallback=_page_url(run))
            show_error(form, error)
        else:
            messages.success(request, _("The import started; it goes on if you leave this page."))
            return redirect_to(request, _page_url(run))
    return _render_import(request, membership, run, commit_form=form, status=422)


@member_view
@require_POST
def import_save_template(
    request: HttpRequest, membership: Membership, import_id: uuid.UUID
) -> HttpResponse:
    """Save the import's mapping (as last previewed) and key under a name."""
    run = _import(membership, import_id)
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            template = services.import_save_template(
                org=membership.organization,
                user=membership.user,
                import_id=run.pk,
                name=form.cleaned_data["name"],
            )
        except DomainError as error:
            show_error(form, error, fields={"mapping": "name", "key": "name"})
        else:
            messages.success(
                request,
                _("The mapping was saved as “%(name)s”; choose it for your next file.")
                % {"name": template.name},
            )
            return redirect_to(request, _page_url(run))
    return _render_import(request, membership, run, template_form=form, status=422)


# --- while it runs, and after ------------------------------------------------------------


@member_view
@require_GET
def import_progress(
    request: HttpRequest, membership: Membership, import_id: uuid.UUID
) -> HttpResponse:
    """The status panel, polled every second while the import runs; once it is over the
    panel comes back without its trigger, so the polling stops."""
    return _panel(request, membership, import_id)


def _panel(request: HttpRequest, membership: Membership, import_id: uuid.UUID) -> HttpResponse:
    try:
        run = pages_selectors.import_progress_get(org=membership.organization, import_id=import_id)
    except NotFound:
        raise Http404("Not found.") from None
    if run.status in EDITABLE_STATUSES and is_htmx(request):
        # the preview is over: its report is the whole page (mapping, counts, commit)
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/partials/status_panel.html", _panel_context(run))


def _one_click(request: HttpRequest, membership: Membership, run: ImportRun, done: str) -> Any:
    """After cancel or resume: the fresh panel (htmx), else the import's page and a word."""
    if is_htmx(request):
        return _panel(request, membership, run.pk)
    messages.info(request, done)
    return redirect_to(request, _page_url(run))


@member_view
@require_POST
def import_cancel(
    request: HttpRequest, membership: Membership, import_id: uuid.UUID
) -> HttpResponse:
    run = _import(membership, import_id)
    try:
        services.import_cancel(org=membership.organization, user=membership.user, import_id=run.pk)
    except DomainError as error:
        return refused(request, error, fallback=_page_url(run))
    return _one_click(
        request, membership, run, _("The import stops after the rows it is writing now.")
    )


@member_view
@require_POST
def import_resume(
    request: HttpRequest, membership: Membership, import_id: uuid.UUID
) -> HttpResponse:
    run = _import(membership, import_id)
    try:
        services.import_resume(org=membership.organization, user=membership.user, import_id=run.pk)
    except DomainError as error:
        return refused(request, error, fallback=_page_url(run))
    return _one_click(request, membership, run, _("The import goes on from where it stopped."))


@member_view
@require_http_methods(["GET", "POST"])
def import_undo(request: HttpRequest, membership: Membership, import_id: uuid.UUID) -> HttpResponse:
    """Confirm (a dialog), then take the import back."""
    run = _import(membership, import_id)
    context = {
        "title": _("Undo this import?"),
        "action": reverse("imports:import-undo", args=[run.pk]),
        "submit_label": _("Undo the import"),
        "back": _page_url(run),
        "testid": "import-undo-form",
        "before_fields": "imports/partials/undo_warning.html",
        "run": run,
        "form": ConfirmForm(),
    }
    if request.method == "GET":
        return dialog_or_page(request, context)
    try:
        summary = services.import_undo(
            org=membership.organization, user=membership.user, import_id=run.pk
        )
    except DomainError as error:
        return refused(request, error, fallback=_page_url(run))
    messages.success(request, _undo_text(summary))
    return redirect_to(request, _page_url(run))


def _undo_text(summary: dict[str, Any]) -> str:
    """What an undo did: how many records it deleted and restored, and how many it kept, by
    why."""
    counts = {key: summary[key] for key in ("deleted", "restored", "kept")}
    if not summary["kept"]:
        return (
            _(
                "The import was undone: %(deleted)s record(s) deleted, %(restored)s restored, "
                "%(kept)s kept."
            )
            % counts
        )
    reasons = {
        "other_owner": lambda n: ngettext(
            "%(count)s now owned by someone else", "%(count)s now owned by someone else", n
        ),
        "history": lambda n: ngettext(
            "%(count)s kept as history (converted, or with offers)",
            "%(count)s kept as history (converted, or with offers)",
            n,
        ),
        "in_use": lambda n: ngettext(
            "%(count)s in use since the import", "%(count)s in use since the import", n
        ),
        "changed": lambda n: ngettext(
            "%(count)s changed since the import", "%(count)s changed since the import", n
        ),
    }
    why = ", ".join(
        reasons[reason](count) % {"count": count}
        for reason, count in summary["kept_because"].items()
        if count
    )
    return _(
        "The import was undone: %(deleted)s record(s) deleted, %(restored)s restored, "
        "%(kept)s kept (%(why)s)."
    ) % {**counts, "why": why}


@member_view
@require_GET
def import_rejected_csv(
    request: HttpRequest, membership: Membership, import_id: uuid.UUID
) -> HttpResponse:
    """All the rejected rows as CSV, each with what is wrong with it: fix and import again."""
    run = _import(membership, import_id)
    response = StreamingHttpResponse(
        selectors.rejected_rows_csv(run=run), content_type="text/csv; charset=utf-8"
    )
    stem = run.file_name.rsplit(".", 1)[0] or "import"
    safe = (
        "".join(c if (c.isascii() and c.isalnum()) or c in "-_" else "-" for c in stem)[:80]
        or "import"
    )
    response["Content-Disposition"] = f'attachment; filename="{safe}-rejected.csv"'
    return response  # type: ignore[return-value]  # a streamed file (member_view's type is narrower)
