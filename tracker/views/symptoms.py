"""Symptoms: a list with an add form, edit and delete. A side-effect symptom on a day with
supplements raises that day's flag, so adding one runs the warning check too."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from tracker import flag_alerts, services
from tracker.forms.daily import SymptomForm
from tracker.models import SymptomEntry
from tracker.services import undo
from tracker.views.daily_helpers import add_service_errors, back_to_day, day_path
from tracker.views.editing import confirm_delete
from tracker.views.undo import delete_offering_undo, offer

PAGE_SIZE = 50


def _fields(data: dict) -> dict:
    """The form's cleaned data, as the symptom services take it."""
    return {name: data[name] for name in ("day", "symptom", "severity", "note")}


@login_required
@require_http_methods(["GET", "POST"])
def symptom_list(request: HttpRequest) -> HttpResponse:
    # ?day= from a day page's "Log a symptom": the form opens on that day (validated on POST).
    day = request.GET.get("day", "")
    initial = {"day": day} if len(day) == 10 else {}
    form = SymptomForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            written = services.log_symptom(owner=request.user, **_fields(data))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            symptom = written.obj
            offer(
                request,
                f"Logged {symptom.get_symptom_display().lower()}.",
                undo.created_token(owner=request.user, entries=[symptom]),
            )
            flag_alerts.announce(request, written.crossed)
            return redirect("symptom-list")
    symptoms = SymptomEntry.objects.filter(owner=request.user).order_by("-day", "-id")
    page = Paginator(symptoms, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tracker/daily/symptom_list.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def symptom_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(SymptomEntry, pk=pk, owner=request.user)
    form = SymptomForm(
        request.POST or None, user=request.user, initial=SymptomForm.initial_for(entry)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            written = services.update_symptom(entry=entry, **_fields(data))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Symptom saved.")
            flag_alerts.announce(request, written.crossed)
            return back_to_day(written.obj.day)
    return render(
        request,
        "includes/form_page.html",
        {"form": form, "title": "Edit symptom", "submit": "Save symptom"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def symptom_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """POST (the Delete buttons) deletes at once and offers Undo; GET (an old bookmark) asks."""
    entry = get_object_or_404(SymptomEntry, pk=pk, owner=request.user)
    name = entry.get_symptom_display().lower()
    if request.method == "POST":
        return delete_offering_undo(request, entry, services.delete_symptom, name)
    return confirm_delete(
        request,
        "Delete this symptom?",
        f"Delete {name} ({entry.severity}/5) on {entry.day:%d %b %Y}?",
        day_path(entry.day),
        "Delete symptom",
    )


urlpatterns = [
    path("symptoms/", symptom_list, name="symptom-list"),
    path("symptoms/<int:pk>/edit/", symptom_edit, name="symptom-edit"),
    path("symptoms/<int:pk>/delete/", symptom_delete, name="symptom-delete"),
]
