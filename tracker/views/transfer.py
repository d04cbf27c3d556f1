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


def _export_view(pieces, kind: str, extension: str):
    """A download of ``pieces(user)`` as ``<kind>.<extension>`` (csv or json)."""
    content_type = {"csv": "text/csv", "json": "application/json"}[extension]

    @never_cache
    @login_required
    @require_GET
    def view(request: HttpRequest) -> StreamingHttpResponse:
        return _download(
            pieces(request.user),
            f"{content_type}; charset=utf-8",
            transfer.export_filename(kind, extension),
        )

    view.__name__ = view.__qualname__ = f"export_{kind}"
    return view


export_entries = _export_view(transfer.entries_csv, "entries", "csv")
export_symptoms = _export_view(transfer.symptoms_csv, "symptoms", "csv")
export_account = _export_view(transfer.account_json, "account", "json")


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
            keep_upload(request, SESSION_KEY, form)
            return redirect("import-preview")
    return render(
        request,
        "tracker/transfer/import.html",
        {"form": form, "max_mb": transfer.MAX_IMPORT_BYTES // (1024 * 1024)},
    )


def keep_upload(request: HttpRequest, key: str, form: ImportUploadForm) -> None:
    """Store the valid upload to wait for its preview and confirm, under the session's ``key``."""
    stored = pending_imports.store(
        owner=request.user, name=form.cleaned_data["file"].name, text=form.cleaned_data["text"]
    )
    # Only the row's id and digest: the session row stays a few hundred bytes.
    request.session[key] = {"id": stored.pk, "digest": stored.digest}


def waiting_upload(request: HttpRequest, key: str) -> pending_imports.PendingImport | None:
    """The upload this session waits to import, or None (never uploaded, cancelled,
    expired; an imported one is returned, and confirm says it is done)."""
    ref = request.session.get(key)
    if not isinstance(ref, dict):
        return None
    return pending_imports.waiting(owner=request.user, pk=ref.get("id"))


def nothing_waiting(request: HttpRequest, back: str) -> HttpResponse:
    """A confirm with no upload waiting: back to the upload page ``back``, saying so."""
    messages.error(request, "There is no upload waiting to be imported; upload the file again.")
    return redirect(back)


def preview_rows(plan: transfer.ImportPlan) -> dict:
    """What both import previews show of a plan: its first rows, problems and day totals,
    and how many more of each there are."""
    day_totals = plan.day_totals()
    return {
        "entries": plan.entries[:PREVIEW_ROWS],
        "more_entries": max(0, len(plan.entries) - PREVIEW_ROWS),
        "problems": plan.problems[:PREVIEW_PROBLEMS],
        "more_problems": max(0, len(plan.problems) - PREVIEW_PROBLEMS),
        "day_totals": day_totals[:PREVIEW_ROWS],
        "more_days": max(0, len(day_totals) - PREVIEW_ROWS),
    }


def existing_entries(request: HttpRequest, plan: transfer.ImportPlan) -> int:
    """How many entries the person already has on the plan's days."""
    span = plan.days()
    return IntakeEntry.objects.filter(owner=request.user, day__range=span).count() if span else 0


def _preview(
    request: HttpRequest,
    pending: pending_imports.PendingImport,
    plan: transfer.ImportPlan,
    form: ImportConfirmForm,
) -> HttpResponse:
    return render(
        request,
        "tracker/transfer/preview.html",
        {
            "name": pending.name,
            "plan": plan,
            "form": form,
            "span": plan.days(),
            "existing": existing_entries(request, plan),
            **preview_rows(plan),
            "symptoms": plan.symptoms[:PREVIEW_ROWS],
            "more_symptoms": max(0, len(plan.symptoms) - PREVIEW_ROWS),
            "profile_rows": profile_words(plan.profile or {}),
            **checkin_words(
                plan.new_checkins, plan.new_followed, plan.checkins_there, plan.followed_there
            ),
        },
    )


def checkin_words(added: int, followed: int, there: int, followed_there: int) -> dict:
    """An account file's check-ins and followed symptoms in words: ``checkins_added`` ("12
    check-ins and 1 followed symptom") and ``checkins_kept``, what the account already has
    and keeps as it is ("3 check-ins (with your own scores)"); empty when there are none."""
    kept = []
    if there:
        scores = "score" if there == 1 else "scores"
        kept.append(counted(there, "check-in", "check-ins") + f" (with your own {scores})")
    if followed_there:
        kept.append(counted(followed_there, "followed symptom", "followed symptoms"))
    adds = [counted(added, "check-in", "check-ins")] if added else []
    if followed:
        adds.append(counted(followed, "followed symptom", "followed symptoms"))
    if kept and not adds:
        adds = ["no check-ins"]
    return {"checkins_added": " and ".join(adds), "checkins_kept": " and ".join(kept)}


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
    pending = waiting_upload(request, SESSION_KEY)
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
    pending = waiting_upload(request, SESSION_KEY)
    if pending is None:
        return nothing_waiting(request, "import")
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
    words = checkin_words(
        result.checkins, result.followed, result.checkins_there, result.followed_there
    )
    if result.checkins or result.followed:
        parts.append(words["checkins_added"])
    if result.profile_updated:
        parts.append("your profile settings")
    kept = f" Already there and kept: {words['checkins_kept']}." if words["checkins_kept"] else ""
    messages.success(request, "Imported " + ", ".join(parts) + "." + kept)
    return to_imported_days(plan)


def to_imported_days(plan) -> HttpResponse:
    """After an import, the week of its last day (or the history when it held no days)."""
    span = plan.days()
    if span:
        return redirect(reverse("week", args=[span[1].isoformat()]))
    return redirect("history")


def cancel_view(key: str, back: str):
    """The Cancel button's view: forget the upload waiting under the session's ``key`` and
    go back to the upload page ``back``."""

    @login_required
    @require_POST
    def cancel(request: HttpRequest) -> HttpResponse:
        pending_imports.discard(owner=request.user, session=request.session, key=key)
        messages.info(request, "The upload was discarded; nothing was imported.")
        return redirect(back)

    return cancel


cancel = cancel_view(SESSION_KEY, "import")


def import_routes(prefix: str, upload_name: str, name: str, *views) -> list:
    """An import's four steps under ``prefix``: the upload page (named ``upload_name``), then
    ``<name>-preview``, ``<name>-confirm`` and ``<name>-cancel``."""
    upload_step, preview_step, confirm_step, cancel_step = views
    return [
        path(prefix, upload_step, name=upload_name),
        path(f"{prefix}preview/", preview_step, name=f"{name}-preview"),
        path(f"{prefix}confirm/", confirm_step, name=f"{name}-confirm"),
        path(f"{prefix}cancel/", cancel_step, name=f"{name}-cancel"),
    ]


urlpatterns = [
    path("export/", export, name="export"),
    path("export/entries.csv", export_entries, name="export-entries"),
    path("export/symptoms.csv", export_symptoms, name="export-symptoms"),
    path("export/account.json", export_account, name="export-account"),
    *import_routes("import/", "import", "import", upload, preview, confirm, cancel),
]
