"""Export (streamed CSV and JSON downloads) and import (upload, preview, then all or nothing).

Between the preview and the "Import" click the uploaded text waits in a PendingImport row
(tracker/pending_imports.py, at most ``transfer.MAX_IMPORT_BYTES``, for a day), never in the
page: the session only keeps its id, the browser only sends back a digest of what it was
shown, and the server reads and checks the stored file again before writing anything, so
the client cannot alter what gets imported and a product deleted in between is noticed.
The row is claimed in the import's transaction, so two confirms import it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from tracker import pending_imports, transfer
from tracker.forms.transfer import ImportConfirmForm, ImportUploadForm
from tracker.models import IntakeEntry, SymptomEntry

SESSION_KEY = "tracker_import_upload"
PREVIEW_ROWS = 200
PREVIEW_PROBLEMS = 500
STREAM_BUFFER = 64 * 1024


def _buffered(pieces: Iterable[str], size: int = STREAM_BUFFER) -> Iterator[str]:
    """Fewer, larger writes to the socket than one per row."""
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def _download(pieces: Iterable[str], content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_buffered(pieces), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "tracker/transfer/export.html",
        {
            "entries": IntakeEntry.objects.filter(owner=request.user).count(),
            "symptoms": SymptomEntry.objects.filter(owner=request.user).count(),
            "columns": ",".join(transfer.ENTRY_COLUMNS),
            "symptom_columns": ",".join(transfer.SYMPTOM_COLUMNS),
        },
    )


@never_cache
@login_required
@require_GET
def export_entries(request: HttpRequest) -> StreamingHttpResponse:
    return _download(
        transfer.entries_csv(request.user),
        "text/csv; charset=utf-8",
        transfer.export_filename("entries", "csv"),
    )


@never_cache
@login_required
@require_GET
def export_symptoms(request: HttpRequest) -> StreamingHttpResponse:
    return _download(
        transfer.symptoms_csv(request.user),
        "text/csv; charset=utf-8",
        transfer.export_filename("symptoms", "csv"),
    )


@never_cache
@login_required
@require_GET
def export_account(request: HttpRequest) -> StreamingHttpResponse:
    return _download(
        transfer.account_json(request.user),
        "application/json; charset=utf-8",
        transfer.export_filename("account", "json"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
    else:
        form = ImportUploadForm()
    if form.is_bound and form.is_valid():
        text = form.cleaned_data["text"]
        try:
            transfer.detect_kind(text)
        except transfer.UploadRejected as error:
            form.add_error("file", str(error))
        else:
            stored = pending_imports.store(
                owner=request.user, name=form.cleaned_data["file"].name, text=text
            )
            # Only the row's id and digest: the session row stays a few hundred bytes.
            request.session[SESSION_KEY] = {"id": stored.pk, "digest": stored.digest}
            return redirect("import-preview")
    return render(
        request,
        "tracker/transfer/import.html",
        {"form": form, "max_mb": transfer.MAX_IMPORT_BYTES // (1024 * 1024)},
    )


def _pending(request: HttpRequest) -> pending_imports.PendingImport | None:
    """The upload this session waits to import, or None (never uploaded, cancelled,
    expired; an imported one is returned, and confirm says it is done)."""
    ref = request.session.get(SESSION_KEY)
    if not isinstance(ref, dict):
        return None
    return pending_imports.waiting(owner=request.user, pk=ref.get("id"))


def _preview(
    request: HttpRequest,
    pending: pending_imports.PendingImport,
    plan: transfer.ImportPlan,
    form: ImportConfirmForm,
) -> HttpResponse:
    span = plan.days()
    day_totals = plan.day_totals()
    existing = (
        IntakeEntry.objects.filter(owner=request.user, day__range=span).count() if span else 0
    )
    return render(
        request,
        "tracker/transfer/preview.html",
        {
            "name": pending.name,
            "plan": plan,
            "form": form,
            "span": span,
            "existing": existing,
            "entries": plan.entries[:PREVIEW_ROWS],
            "symptoms": plan.symptoms[:PREVIEW_ROWS],
            "problems": plan.problems[:PREVIEW_PROBLEMS],
            "more_problems": max(0, len(plan.problems) - PREVIEW_PROBLEMS),
            "more_entries": max(0, len(plan.entries) - PREVIEW_ROWS),
            "more_symptoms": max(0, len(plan.symptoms) - PREVIEW_ROWS),
            "day_totals": day_totals[:PREVIEW_ROWS],
            "more_days": max(0, len(day_totals) - PREVIEW_ROWS),
            "profile_rows": profile_words(plan.profile or {}),
        },
    )


def profile_words(profile: dict) -> list[tuple[str, str]]:
    """The file's profile settings as the profile page names them: "Date of birth: 17 May
    1990", "Kidney disease: no", never the field names or Python's True/False."""
    rows = []
    for name, value in profile.items():
        field = User._meta.get_field(name)
        label = capfirst(str(field.verbose_name))
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        elif value is None or value == "":
            shown = "not set"
        elif field.choices:
            shown = str(dict(field.flatchoices).get(value, value))
        elif isinstance(value, date):
            shown = date_format(value, "j F Y")
        else:
            shown = str(value)
        rows.append((label, shown))
    return rows


def counted(number: int, one: str, many: str) -> str:
    """ "1 new food", "2 new foods"."""
    return f"{number} {one if number == 1 else many}"


@login_required
@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None or pending.imported_at:
        return redirect("import")
    plan = transfer.parse_upload(pending.text, request.user)
    form = ImportConfirmForm(initial={"digest": pending.digest}, offer_profile=bool(plan.profile))
    return _preview(request, pending, plan, form)


class _AlreadyImported(Exception):
    """Another confirm of the same upload imported it (or is importing it right now)."""


def _already_imported(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.info(request, "This file has already been imported; nothing was imported twice.")
    return redirect("history")


@login_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        messages.error(request, "There is no upload waiting to be imported; upload the file again.")
        return redirect("import")
    if pending.imported_at:
        return _already_imported(request)
    if request.POST.get("digest") != pending.digest:
        messages.error(
            request,
            "The file waiting to be imported is not the one this page showed; check this "
            "preview and import again.",
        )
        return redirect("import-preview")
    # Read the stored file again: the account may have changed since the preview.
    plan = transfer.parse_upload(pending.text, request.user)
    form = ImportConfirmForm(request.POST, offer_profile=bool(plan.profile))
    if not plan.ok or not form.is_valid():
        return _preview(request, pending, plan, form)
    try:
        with transaction.atomic():
            if not pending_imports.claim(pending):
                raise _AlreadyImported
            result = transfer.apply_plan(
                plan, request.user, use_profile=form.cleaned_data.get("use_profile", False)
            )
    except _AlreadyImported:
        return _already_imported(request)
    except OperationalError as error:
        # SQLite: the other confirm's import held the write lock longer than the wait.
        if "locked" not in str(error):
            raise
        messages.info(
            request,
            "This file is being imported by another click or tab; it shows in your history "
            "as soon as that finishes. Nothing was imported twice.",
        )
        return redirect("history")
    except IntegrityError:
        # Two imports at once creating the same food, say; the transaction left nothing.
        messages.error(request, "Nothing was imported: the account changed meanwhile. Try again.")
        return redirect("import-preview")
    del request.session[SESSION_KEY]
    parts = [
        counted(result.entries, "entry", "entries"),
        counted(result.symptoms, "symptom", "symptoms"),
    ]
    if result.products:
        parts.append(counted(result.products, "new product", "new products"))
    if result.foods:
        parts.append(counted(result.foods, "new food", "new foods"))
    if result.profile_updated:
        parts.append("your profile settings")
    messages.success(request, "Imported " + ", ".join(parts) + ".")
    return to_imported_days(plan)


def to_imported_days(plan) -> HttpResponse:
    """After an import, the week of its last day (or the history when it held no days)."""
    span = plan.days()
    if span:
        return redirect(reverse("week", args=[span[1].isoformat()]))
    return redirect("history")


@login_required
@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    pending_imports.discard(owner=request.user, session=request.session, key=SESSION_KEY)
    messages.info(request, "The upload was discarded; nothing was imported.")
    return redirect("import")


urlpatterns = [
    path("export/", export, name="export"),
    path("export/entries.csv", export_entries, name="export-entries"),
    path("export/symptoms.csv", export_symptoms, name="export-symptoms"),
    path("export/account.json", export_account, name="export-account"),
    path("import/", upload, name="import"),
    path("import/preview/", preview, name="import-preview"),
    path("import/confirm/", confirm, name="import-confirm"),
    path("import/cancel/", cancel, name="import-cancel"),
]
