"""Import of a Cronometer "Servings" export: upload, preview (with a product for each name
that looks like a supplement), then import; rows imported before are skipped.

The upload waits between the steps in a PendingImport row (tracker/pending_imports.py) like
the app's own import: the session keeps its id and digest, and the file is read again on
confirm, so what is imported is what the server holds, not what the browser sends back.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tracker import pending_imports, transfer
from tracker.forms.transfer import ImportUploadForm
from tracker.transfer import cronometer
from tracker.views.transfer import (
    cancel_view,
    counted,
    existing_entries,
    import_routes,
    keep_upload,
    nothing_waiting,
    preview_rows,
    to_imported_days,
    waiting_upload,
)

SESSION_KEY = "tracker_cronometer_upload"


class CronometerUploadForm(ImportUploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "Cronometer Servings export"
        self.fields["file"].help_text = (
            "In Cronometer: More → Account → Export Data → Food & Recipe Entries (the "
            f"“servings” CSV), up to {transfer.MAX_IMPORT_BYTES // (1024 * 1024)} MB."
        )


class MappingForm(forms.Form):
    """One select per name that may be a supplement: "a food" or one of the person's
    products (only theirs: anything else is a form error)."""

    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)

    def __init__(self, *args, result: cronometer.CronometerPlan, **kwargs):
        super().__init__(*args, **kwargs)
        options = [("", "Keep as a food")] + [
            (str(p.pk), f"My product: {p}") for p in result.products
        ]
        for choice in result.choices:
            rows = f"{choice.rows} row{'s' if choice.rows != 1 else ''}"
            self.fields[choice.field] = forms.TypedChoiceField(
                label=f"“{choice.name}” ({rows})",
                choices=options,
                coerce=int,
                empty_value=None,
                required=False,
                initial=result.mapping.get(choice.field) or "",
            )

    def mapping(self) -> dict[str, int]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name.startswith("map-") and value
        }


def _plan(request, pending, mapping=None) -> cronometer.CronometerPlan:
    return cronometer.plan_import(
        pending.text, request.user, today=timezone.localdate(), mapping=mapping
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    form = CronometerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        if not cronometer.looks_like_cronometer(text):
            form.add_error(
                "file",
                "This is not a Cronometer Servings export: its first line must name the "
                "columns “Day”, “Food Name”, “Amount” and “Magnesium (mg)”.",
            )
        else:
            keep_upload(request, SESSION_KEY, form)
            return redirect("cronometer-preview")
    return render(request, "tracker/cronometer/upload.html", {"form": form})


def _preview(request, pending, result, form) -> HttpResponse:
    plan = result.plan
    return render(
        request,
        "tracker/cronometer/preview.html",
        {
            "name": pending.name,
            "result": result,
            "plan": plan,
            "form": form,
            "span": plan.days(),
            "existing": existing_entries(request, plan),
            **preview_rows(plan),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest) -> HttpResponse:
    """GET: the file as read, with the suggested products; POST: again, with the products
    chosen in the selects (nothing is written)."""
    pending = waiting_upload(request, SESSION_KEY)
    if pending is None or pending.imported_at:
        return redirect("cronometer-import")
    result = _plan(request, pending)
    if request.method == "POST":
        form = MappingForm(request.POST, result=result)
        if form.is_valid():
            result = _plan(request, pending, form.mapping())
            form = MappingForm(initial={"digest": pending.digest}, result=result)
    else:
        form = MappingForm(initial={"digest": pending.digest}, result=result)
    return _preview(request, pending, result, form)


@login_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    pending = waiting_upload(request, SESSION_KEY)
    if pending is None:
        return nothing_waiting(request, "cronometer-import")
    if pending.imported_at:
        request.session.pop(SESSION_KEY, None)
        messages.info(request, "This file has already been imported; nothing was added twice.")
        return redirect("history")
    result = _plan(request, pending)
    form = MappingForm(request.POST, result=result)
    if not form.is_valid() or form.cleaned_data["digest"] != pending.digest:
        if form.is_valid():
            messages.error(request, "The file waiting is not the one this page showed.")
        return _preview(request, pending, result, form)
    result = _plan(request, pending, form.mapping())
    if not result.plan.ok or not result.plan.entries:
        return _preview(request, pending, result, form)
    try:
        with transaction.atomic():
            if not pending_imports.claim(pending):
                raise IntegrityError("claimed by another confirm")
            written = cronometer.apply(result, request.user)
    except (IntegrityError, OperationalError):
        # Another confirm, or another upload of the same rows, imported them meanwhile.
        request.session.pop(SESSION_KEY, None)
        messages.info(
            request, "These rows were imported by another click or tab; nothing was added twice."
        )
        return redirect("history")
    del request.session[SESSION_KEY]
    parts = [f"{written.entries} entries"]
    if written.foods:
        parts.append(counted(written.foods, "new food", "new foods"))
    if result.already_imported:
        parts.append(f"{result.already_imported} rows skipped as imported before")
    messages.success(request, "Imported from Cronometer: " + ", ".join(parts) + ".")
    return to_imported_days(result.plan)


cancel = cancel_view(SESSION_KEY, "cronometer-import")


urlpatterns = import_routes(
    "import/cronometer/", "cronometer-import", "cronometer", upload, preview, confirm, cancel
)
