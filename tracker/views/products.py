"""My supplements: a person's own products, with the elemental mg per serving computed and
shown before saving ("Preview" re-renders the form with the figure; no JavaScript needed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from tracker import flag_alerts, intake, services
from tracker.forms.daily import ProductForm
from tracker.models import SupplementProduct
from tracker.views.editing import confirm_delete, crud_routes, entries_words, saved, submitted


@login_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    products = (
        SupplementProduct.objects.filter(owner=request.user)
        .select_related("form")
        .prefetch_related("other_forms")
        .annotate(entry_count=Count("entries"))
        .order_by("is_archived", "name", "id")
    )
    return render(
        request, "tracker/daily/product_list.html", {"products": products, "items": products}
    )


def _saved_message(request: HttpRequest, product: SupplementProduct, form: ProductForm) -> None:
    messages.success(
        request,
        f"Saved {product}: {intake.quantize_mg(product.elemental_mg_per_serving)} mg elemental "
        f"magnesium per serving of {product.serving_words}.",
    )
    if form.chemistry_note:
        messages.info(request, form.chemistry_note)


@login_required
@require_http_methods(["GET", "POST"])
def product_add(request: HttpRequest) -> HttpResponse:
    form = ProductForm(request.POST or None)
    if submitted(request, form, preview=True):
        written = saved(
            form, lambda: services.create_product(owner=request.user, **form.service_kwargs())
        )
        if written:
            _saved_message(request, written.obj, form)
            return redirect("product-list")
    return render(
        request,
        "tracker/daily/product_form.html",
        {"form": form, "title": "Add a supplement or medication"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(
        SupplementProduct.objects.select_related("form"), pk=pk, owner=request.user
    )
    title = f"Edit {product}"
    touched = services.entries_touched(product=product)
    form = ProductForm(request.POST or None, instance=product, editing=True, touched=touched)
    if submitted(request, form, preview=True):
        written = saved(
            form, lambda: services.update_product(product=product, **form.service_kwargs())
        )
        if written:
            _saved_message(request, written.obj, form)
            flag_alerts.announce(request, written.crossed)
            return redirect("product-list")
    if form.is_bound is False:
        form.elemental_mg = product.elemental_mg_per_serving
    return render(
        request,
        "tracker/daily/product_form.html",
        {"form": form, "product": product, "title": title, "touched": touched},
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks; POST deletes, or archives a product that entries use."""
    product = get_object_or_404(SupplementProduct, pk=pk, owner=request.user)
    used = product.entries.count()
    if request.method == "POST":
        name = str(product)
        if services.remove_product(product=product).obj:
            messages.success(request, f"Archived {name}: it has entries, which keep their history.")
        else:
            messages.success(request, f"Deleted {name}.")
        return redirect("product-list")
    if used:
        question = (
            f"{product} is used by {entries_words(used)}, so it will be "
            "archived instead of deleted: it disappears from logging, and the entries keep it."
        )
        title, button = f"Archive {product}?", "Archive product"
    else:
        question = f"Delete {product}? It has no entries."
        title, button = f"Delete {product}?", "Delete product"
    return confirm_delete(request, title, question, reverse("product-list"), button)


urlpatterns = crud_routes(
    "supplements/", "product", product_list, product_add, product_edit, product_delete
)
