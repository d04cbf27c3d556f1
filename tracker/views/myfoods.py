"""My foods: a person's private foods (mg per 100 g and a serving). They appear beside the
reference foods when logging; nobody else sees them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from tracker import intake, services
from tracker.forms.daily import OwnFoodForm
from tracker.models import Food
from tracker.views.editing import confirm_delete, crud_routes, entries_words, saved, submitted


@login_required
@require_GET
def food_list(request: HttpRequest) -> HttpResponse:
    foods = (
        Food.objects.filter(owner=request.user)
        .annotate(entry_count=Count("entries"))
        .order_by("name", "id")
    )
    return render(request, "tracker/daily/myfood_list.html", {"foods": foods, "items": foods})


@login_required
@require_http_methods(["GET", "POST"])
def food_add(request: HttpRequest) -> HttpResponse:
    form = OwnFoodForm(request.POST or None, user=request.user)
    if submitted(request, form):
        written = saved(
            form, lambda: services.create_own_food(owner=request.user, **form.service_kwargs())
        )
        if written:
            food = written.obj
            messages.success(
                request,
                f"Saved {food.name}: {intake.quantize_mg(food.mg_per_serving)} mg per "
                f"{food.serving_desc}.",
            )
            return redirect("myfood-list")
    return render(request, "tracker/daily/myfood_form.html", {"form": form, "title": "Add a food"})


@login_required
@require_http_methods(["GET", "POST"])
def food_edit(request: HttpRequest, pk: int) -> HttpResponse:
    food = get_object_or_404(Food, pk=pk, owner=request.user)
    title = f"Edit {food.name}"  # before validation copies the typed values onto the instance
    form = OwnFoodForm(request.POST or None, instance=food, user=request.user)
    if submitted(request, form):
        written = saved(form, lambda: services.update_own_food(food=food, **form.service_kwargs()))
        if written:
            messages.success(request, f"Saved {written.obj.name}.")
            return redirect("myfood-list")
    return render(
        request,
        "tracker/daily/myfood_form.html",
        {"form": form, "title": title, "editing": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def food_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks; POST deletes. A food that entries use cannot go (they would lose their mg)."""
    food = get_object_or_404(Food, pk=pk, owner=request.user)
    used = food.entries.count()
    if request.method == "POST":
        name = food.name
        if services.delete_own_food(food=food).obj:
            messages.success(request, f"Deleted {name}.")
        else:
            messages.error(request, f"{name} is used by entries; delete those entries first.")
        return redirect("myfood-list")
    if used:
        question = (
            f"{food.name} is used by {entries_words(used)} and cannot be "
            "deleted until they are. You can still rename or correct it."
        )
        button = ""
    else:
        question, button = f"Delete {food.name}?", "Delete food"
    return confirm_delete(request, f"Delete {food.name}?", question, reverse("myfood-list"), button)


urlpatterns = crud_routes("foods/mine/", "myfood", food_list, food_add, food_edit, food_delete)
