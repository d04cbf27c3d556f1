"""Intake entries: add (supplement or food), edit, delete, and the dashboard's quick logging.

Every entry's elemental mg is computed by tracker.services from the product or food; the
request only ever chooses what, how much and when.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tracker import daily_rows, flag_alerts, intake, selectors, services
from tracker.forms.daily import FoodEntryForm, QuickFoodForm, SupplementEntryForm
from tracker.models import EntryKind, IntakeEntry, SupplementProduct
from tracker.services import undo
from tracker.templatetags.mg import mg as mg_words
from tracker.views.daily_helpers import back_to_day, day_path
from tracker.views.editing import confirm_delete, saved, submitted
from tracker.views.undo import delete_offering_undo, offer


def _initial_from_query(request: HttpRequest) -> dict:
    """?day=YYYY-MM-DD from a day page's "add" links; the form validates it like typed input."""
    day = request.GET.get("day", "")
    return {"day": day, "time": None} if day else {}


def _done(
    request: HttpRequest, written: services.Written[IntakeEntry], verb: str, *, undoable: bool
):
    entry = written.obj
    dose = f"{entry.dose_words} of " if entry.dose_words else ""
    text = f"{verb} {dose}{entry.item_name}: {mg_words(entry.elemental_mg)} elemental magnesium."
    if undoable:  # a new entry: Undo removes it (an edit keeps its Edit page for changes)
        offer(request, text, undo.created_token(owner=request.user, entries=[entry]))
    else:
        messages.success(request, text)
    flag_alerts.announce(request, written.crossed)
    return back_to_day(entry.day)


@login_required
@require_http_methods(["GET", "POST"])
def add_supplement(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = _initial_from_query(request)
    product_id = request.GET.get("product", "")
    if product_id.isdigit():
        initial["product"] = int(product_id)
    form = SupplementEntryForm(request.POST or None, user=user, initial=initial)
    if submitted(request, form, preview=True):
        written = saved(form, lambda: services.log_supplement(owner=user, **form.service_kwargs()))
        if written:
            return _done(request, written, "Logged", undoable=True)
    has_products = selectors.active_products(user=user).exists()
    return render(
        request,
        "tracker/daily/entry_supplement.html",
        {"form": form, "has_products": has_products, "title": "Log a supplement"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_food(request: HttpRequest) -> HttpResponse:
    """A food picker that works without JavaScript: search with ?q=, pick, then grams or
    servings."""
    user = request.user
    query = request.GET.get("q", "").strip()[:100]
    initial = _initial_from_query(request)
    chosen = None
    food_id = (request.POST if request.method == "POST" else request.GET).get("food", "")
    if food_id.isdigit() and len(food_id) < 12:
        chosen = selectors.visible_foods(user=user).filter(pk=int(food_id)).first()
        if chosen is not None:
            initial["food"] = chosen.pk
    form = FoodEntryForm(request.POST or None, user=user, initial=initial)
    if submitted(request, form):
        data = form.cleaned_data
        written = saved(
            form,
            lambda: services.log_food(
                owner=user,
                food=data["food"],
                grams=data["grams"],
                servings=data["servings"],
                day=data["day"],
                time=data["time"],
                note=data["note"],
            ),
        )
        if written:
            return _done(request, written, "Logged", undoable=True)
    if chosen is not None:
        # The chosen food is named above the form: no dropdown of every food below it.
        form.fields["food"].widget = forms.HiddenInput()
    results = daily_rows.search_foods_own_first(user=user, query=query) if query else []
    return render(
        request,
        "tracker/daily/entry_food.html",
        {
            "form": form,
            "show_form": chosen is not None or request.method == "POST",
            "query": query,
            "results": results,
            "chosen": chosen,
            "day_param": request.GET.get("day", ""),
            "title": "Log a food",
        },
    )


def _update_entry(entry: IntakeEntry, cleaned: dict) -> services.Written[IntakeEntry]:
    common = {
        "entry": entry,
        "day": cleaned["day"],
        "time": cleaned["time"],
        "note": cleaned["note"],
    }
    if entry.kind == EntryKind.FOOD:
        return services.update_food_entry(
            food=cleaned["food"],
            grams=cleaned["grams"],
            servings=cleaned["servings"],
            **common,
        )
    return services.update_supplement_entry(
        product=cleaned["product"],
        quantity=cleaned["quantity"],
        unit=cleaned["unit"],
        confirm_large=cleaned.get("confirm_large", False),
        **common,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_entry(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        IntakeEntry.objects.select_related("product", "food"), pk=pk, owner=request.user
    )
    data = request.POST or None
    if entry.kind == EntryKind.FOOD:
        form = FoodEntryForm(data, user=request.user, initial=FoodEntryForm.initial_for(entry))
    else:
        form = SupplementEntryForm(
            data,
            user=request.user,
            current=entry.product,
            initial=SupplementEntryForm.initial_for(entry),
        )
    if submitted(request, form, preview=True):
        written = saved(form, lambda: _update_entry(entry, form.cleaned_data))
        if written:
            return _done(request, written, "Saved", undoable=False)
    return render(
        request,
        "tracker/daily/entry_edit.html",
        {"form": form, "entry": entry, "title": f"Edit {entry.item_name}"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """POST (the day page's Delete button) deletes at once and offers Undo: a slip costs one
    tap to put back, not a confirmation page every time. GET (an old bookmark) still asks."""
    entry = get_object_or_404(
        IntakeEntry.objects.select_related("product", "food"), pk=pk, owner=request.user
    )
    if request.method == "POST":
        return delete_offering_undo(request, entry, services.delete_entry, entry.item_name)
    return confirm_delete(
        request,
        "Delete this entry?",
        f"Delete {entry.item_name}, {intake.quantize_mg(entry.elemental_mg)} mg, "
        f"logged on {entry.day:%d %b %Y}?",
        day_path(entry.day),
        "Delete entry",
    )


# --- Quick logging from the dashboard -------------------------------------------------------


def _now_local():
    now = timezone.localtime()
    return now.date(), now.time().replace(second=0, microsecond=0)


QUICK_MAX_SERVINGS = 20
"""The dashboard's dose stepper counts whole servings up to this; more goes through the form."""


def _posted_servings(request: HttpRequest) -> Decimal | None:
    """The stepper's whole number of servings (1 when the button is pressed without one)."""
    text = request.POST.get("servings", "1").strip() or "1"
    if not text.isdigit() or len(text) > 3 or not 1 <= int(text) <= QUICK_MAX_SERVINGS:
        return None
    return Decimal(int(text))


def _posted_day(request: HttpRequest):
    """(day, time) for a one-tap food log: today now, or the ?day a day page's search passed
    (no clock time for another day). None when the day is not one that can hold entries."""
    text = request.POST.get("day", "").strip()
    today, now = _now_local()
    if not text or text == today.isoformat():
        return today, now
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None or services.day_errors(user=request.user, day=day):
        return None
    return day, None


def _refused(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """A one-tap write a rule refused: the dashboard, saying why."""
    messages.error(request, " ".join(error.messages))
    return redirect("dashboard")


def _log_now(request: HttpRequest, log, verb: str, **what) -> HttpResponse:
    """A one-tap log with ``log`` (a services function): the entry with Undo, or why not."""
    try:
        written = log(owner=request.user, **what)
    except ValidationError as error:
        return _refused(request, error)
    return _done(request, written, verb, undoable=True)


@login_required
@require_http_methods(["GET", "POST"])
def quick_log_product(request: HttpRequest, pk: int) -> HttpResponse:
    """POST logs one serving of the product now. GET (a bookmarked or shared link) only opens
    the entry form for it: a GET never writes."""
    product = get_object_or_404(SupplementProduct, pk=pk, owner=request.user, is_archived=False)
    if request.method != "POST":
        return redirect(f"{reverse('entry-add')}?product={product.pk}")
    servings = _posted_servings(request)
    if servings is None:
        messages.error(request, f"Choose between 1 and {QUICK_MAX_SERVINGS} servings.")
        return redirect("dashboard")
    day, now = _now_local()
    return _log_now(
        request,
        services.log_supplement,
        "Logged",
        product=product,
        servings=servings,
        day=day,
        time=now,
    )


@login_required
@require_POST
def quick_log_food(request: HttpRequest) -> HttpResponse:
    """One serving of a recent food, now; or of a search result, on the day searched from."""
    form = QuickFoodForm(request.POST, user=request.user)
    when = _posted_day(request)
    back = request.POST.get("next") == "search"
    if not form.is_valid() or when is None:
        messages.error(request, "Choose one of the foods shown.")
        return redirect("entry-add-food" if back else "dashboard")
    day, now = when
    food = form.cleaned_data["food"]
    return _log_now(
        request,
        services.log_food,
        "Logged 1 serving of",
        food=food,
        servings=Decimal("1"),
        day=day,
        time=now,
    )


@login_required
@require_POST
def repeat_yesterday(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate()
    try:
        written = services.repeat_yesterdays_supplements(owner=request.user, day=day)
    except ValidationError as error:
        return _refused(request, error)
    if written.obj:
        total = sum(e.elemental_mg for e in written.obj)  # the few entries just created
        offer(
            request,
            f"Logged {len(written.obj)} supplement entries from yesterday "
            f"({mg_words(intake.settled_mg(total))} elemental magnesium).",
            undo.created_token(owner=request.user, entries=written.obj),
        )
    else:
        messages.info(request, "Nothing to repeat: no supplements were logged yesterday.")
    flag_alerts.announce(request, written.crossed)
    return redirect("dashboard")


urlpatterns = [
    path("entries/add/supplement/", add_supplement, name="entry-add"),
    path("entries/add/food/", add_food, name="entry-add-food"),
    path("entries/<int:pk>/edit/", edit_entry, name="entry-edit"),
    path("entries/<int:pk>/delete/", delete_entry, name="entry-delete"),
    path("log/repeat-yesterday/", repeat_yesterday, name="repeat-yesterday"),
    path("log/food/", quick_log_food, name="quick-log-food"),
    path("log/<int:pk>/", quick_log_product, name="quick-log-product"),
]
