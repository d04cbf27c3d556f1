"""Intake entries: add (supplement or food), edit, delete, and the dashboard's quick logging.

Every entry's elemental mg is computed by tracker.services from the product or food; the
request only ever chooses what, how much and when.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tracker import intake, selectors, services, warnings
from tracker.forms.daily import FoodEntryForm, QuickFoodForm, SupplementEntryForm
from tracker.models import EntryKind, IntakeEntry, SupplementProduct
from tracker.views.daily_helpers import add_service_errors, back_to_day, day_path


def _initial_from_query(request: HttpRequest) -> dict:
    """?day=YYYY-MM-DD from a day page's "add" links; the form validates it like typed input."""
    day = request.GET.get("day", "")
    return {"day": day, "time": None} if day else {}


def _done(request: HttpRequest, written: services.Written[IntakeEntry], verb: str):
    entry = written.obj
    dose = f"{entry.dose_words} of " if entry.dose_words else ""
    messages.success(
        request,
        f"{verb} {dose}{entry.item_name}: {intake.quantize_mg(entry.elemental_mg)} mg elemental "
        "magnesium.",
    )
    warnings.announce(request, written.crossed)
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
    if request.method == "POST" and form.is_valid() and "preview" not in request.POST:
        try:
            written = services.log_supplement(owner=user, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, written, "Logged")
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
    food_id = request.GET.get("food", "")
    if food_id.isdigit():
        chosen = selectors.visible_foods(user=user).filter(pk=int(food_id)).first()
        if chosen is not None:
            initial["food"] = chosen.pk
    form = FoodEntryForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            written = services.log_food(
                owner=user,
                food=data["food"],
                grams=data["grams"],
                servings=data["servings"],
                day=data["day"],
                time=data["time"],
                note=data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, written, "Logged")
    results = selectors.search_foods(user=user, query=query) if query else []
    return render(
        request,
        "tracker/daily/entry_food.html",
        {
            "form": form,
            "query": query,
            "results": results,
            "chosen": chosen,
            "day_param": request.GET.get("day", ""),
            "title": "Log a food",
        },
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
    if request.method == "POST" and form.is_valid() and "preview" not in request.POST:
        cleaned = form.cleaned_data
        common = {
            "entry": entry,
            "day": cleaned["day"],
            "time": cleaned["time"],
            "note": cleaned["note"],
        }
        try:
            if entry.kind == EntryKind.FOOD:
                written = services.update_food_entry(
                    food=cleaned["food"],
                    grams=cleaned["grams"],
                    servings=cleaned["servings"],
                    **common,
                )
            else:
                written = services.update_supplement_entry(
                    product=cleaned["product"],
                    quantity=cleaned["quantity"],
                    unit=cleaned["unit"],
                    confirm_large=cleaned.get("confirm_large", False),
                    **common,
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, written, "Saved")
    return render(
        request,
        "tracker/daily/entry_edit.html",
        {"form": form, "entry": entry, "title": f"Edit {entry.item_name}"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; only POST deletes."""
    entry = get_object_or_404(
        IntakeEntry.objects.select_related("product", "food"), pk=pk, owner=request.user
    )
    if request.method == "POST":
        day = entry.day
        services.delete_entry(entry=entry)
        messages.success(request, f"Deleted {entry.item_name} from {day:%d %b %Y}.")
        return back_to_day(day)
    return render(
        request,
        "tracker/daily/confirm_delete.html",
        {
            "title": "Delete this entry?",
            "question": f"Delete {entry.item_name}, {intake.quantize_mg(entry.elemental_mg)} mg, "
            f"logged on {entry.day:%d %b %Y}?",
            "cancel_url": day_path(entry.day),
            "button": "Delete entry",
        },
    )


# --- Quick logging from the dashboard -------------------------------------------------------


def _now_local():
    now = timezone.localtime()
    return now.date(), now.time().replace(second=0, microsecond=0)


@login_required
@require_http_methods(["GET", "POST"])
def quick_log_product(request: HttpRequest, pk: int) -> HttpResponse:
    """POST logs one serving of the product now. GET (a bookmarked or shared link) only opens
    the entry form for it: a GET never writes."""
    product = get_object_or_404(SupplementProduct, pk=pk, owner=request.user, is_archived=False)
    if request.method != "POST":
        return redirect(f"{reverse('entry-add')}?product={product.pk}")
    day, now = _now_local()
    try:
        written = services.log_supplement(
            owner=request.user,
            product=product,
            servings=Decimal("1"),
            day=day,
            time=now,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("dashboard")
    return _done(request, written, "Logged")


@login_required
@require_POST
def quick_log_food(request: HttpRequest) -> HttpResponse:
    """One serving of a recent food, now."""
    form = QuickFoodForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "Choose one of the foods shown.")
        return redirect("dashboard")
    day, now = _now_local()
    try:
        written = services.log_food(
            owner=request.user,
            food=form.cleaned_data["food"],
            servings=Decimal("1"),
            day=day,
            time=now,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("dashboard")
    return _done(request, written, "Logged 1 serving of")


@login_required
@require_POST
def repeat_yesterday(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate()
    try:
        written = services.repeat_yesterdays_supplements(owner=request.user, day=day)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("dashboard")
    if written.obj:
        total = sum(e.elemental_mg for e in written.obj)  # the few entries just created
        messages.success(
            request,
            f"Logged {len(written.obj)} supplement entries from yesterday "
            f"({intake.quantize_mg(intake.settled_mg(total))} mg elemental magnesium).",
        )
    else:
        messages.info(request, "Nothing to repeat: no supplements were logged yesterday.")
    warnings.announce(request, written.crossed)
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
