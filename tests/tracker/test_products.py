"""My supplements: the computed elemental figure before saving, the chemistry note, archive
instead of delete, bad input and other people's products."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import (
    SupplementEntryFactory,
    SupplementProductFactory,
)
from tracker.models import IntakeEntry, SupplementProduct

pytestmark = pytest.mark.django_db


def product_data(form, /, **overrides) -> dict:
    data = {
        "name": "Magnesium glycinate 1000 mg",
        "brand": "Acme",
        "form": form.pk,
        "kind": "supplement",
        "label_basis": "compound",
        "amount_per_serving_mg": "1000",
        "serving_unit": "capsule",
        "compound_mg": "",
    }
    return {**data, **overrides}


def test_preview_shows_the_elemental_figure_and_saves_nothing(logged_in, glycinate):
    response = logged_in.post(reverse("product-add"), product_data(glycinate, preview="1"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="elemental-preview"' in html
    assert "<strong>141.0\u00a0mg</strong>" in html and "14.1 % magnesium" in html
    assert not SupplementProduct.objects.exists()


def test_save_stores_the_computed_figure_and_says_it(logged_in, user, glycinate):
    response = logged_in.post(
        reverse("product-add"),
        product_data(glycinate, save="1", elemental_mg_per_serving="999"),
        follow=True,
    )
    product = SupplementProduct.objects.get()
    assert product.owner == user and product.elemental_mg_per_serving == Decimal("141.00")
    html = response.content.decode()
    assert (
        "Saved Magnesium glycinate 1000 mg (Acme): 141.0 mg elemental magnesium per serving "
        "of 1 capsule" in html
    )
    assert 'data-testid="elemental">141.0\u00a0mg per 1 capsule' in html


def test_chemistry_note_when_the_label_implies_more_than_the_form_holds(logged_in, glycinate):
    data = product_data(
        glycinate, label_basis="elemental", amount_per_serving_mg="200", compound_mg="1000"
    )
    preview = logged_in.post(reverse("product-add"), {**data, "preview": "1"})
    note = 'data-testid="chemistry-note"'
    assert note in preview.content.decode()
    assert "buffered with magnesium oxide" in preview.content.decode()
    saved = logged_in.post(reverse("product-add"), {**data, "save": "1"}, follow=True)
    assert "buffered with magnesium oxide" in saved.content.decode()  # said again on saving
    assert SupplementProduct.objects.get().elemental_mg_per_serving == Decimal("200.00")
    # A label the compound can hold gets no note.
    fine = logged_in.post(
        reverse("product-add"), {**data, "amount_per_serving_mg": "140", "preview": "1"}
    )
    assert note not in fine.content.decode()


BAD = {
    "zero": {"amount_per_serving_mg": "0"},
    "negative": {"amount_per_serving_mg": "-100"},
    "absurd": {"amount_per_serving_mg": "1000000000"},
    "just over 10000": {"amount_per_serving_mg": "10000.01"},
    "letters": {"amount_per_serving_mg": "lots"},
    "no name": {"name": ""},
    "huge name": {"name": "x" * 100_000},
    "unknown form": {"form": "99999999"},
    "unknown kind": {"kind": "poison"},
    "unknown unit": {"serving_unit": "barrel"},
    "bad compound weight": {"compound_mg": "-1"},
}


@pytest.mark.parametrize("overrides", BAD.values(), ids=BAD.keys())
def test_bad_product_input_is_a_form_error(logged_in, glycinate, overrides):
    response = logged_in.post(
        reverse("product-add"), product_data(glycinate, save="1", **overrides)
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not SupplementProduct.objects.exists()


def test_medication_kind_is_offered_and_saved(logged_in, glycinate):
    page = logged_in.get(reverse("product-add")).content.decode()
    assert "Medication (antacid, laxative)" in page
    logged_in.post(reverse("product-add"), product_data(glycinate, kind="medication", save="1"))
    assert SupplementProduct.objects.get().kind == "medication"


def test_edit_recomputes_and_can_archive(logged_in, user, glycinate):
    product = SupplementProductFactory(owner=user, form=glycinate)
    entry = SupplementEntryFactory(owner=user, product=product, servings=2)
    page = logged_in.get(reverse("product-edit", args=[product.pk]))
    assert "<strong>141.0\u00a0mg</strong>" in page.content.decode()  # the current figure
    response = logged_in.post(
        reverse("product-edit", args=[product.pk]),
        product_data(
            glycinate, amount_per_serving_mg="500", is_archived="on", save="1", apply_to="past"
        ),
    )
    assert response.status_code == 302
    product.refresh_from_db()
    entry.refresh_from_db()
    assert product.elemental_mg_per_serving == Decimal("70.50") and product.is_archived
    assert entry.elemental_mg == Decimal("141.00")  # 2 x 70.5


def test_list_shows_only_my_products(logged_in, user, other_user):
    SupplementProductFactory(owner=user, name="Mine")
    SupplementProductFactory(owner=other_user, name="Theirs")
    html = logged_in.get(reverse("product-list")).content.decode()
    assert "Mine" in html and "Theirs" not in html


def test_list_query_count_does_not_grow(logged_in, user, flat_queries):
    SupplementProductFactory(owner=user)

    def thirty_more_taken():
        for product in SupplementProductFactory.create_batch(30, owner=user):
            SupplementEntryFactory(owner=user, product=product)

    response = flat_queries(logged_in, reverse("product-list"), thirty_more_taken)
    assert len(response.context["products"]) == 31


def test_a_product_with_entries_is_archived_after_confirmation(logged_in, user):
    product = SupplementProductFactory(owner=user)
    SupplementEntryFactory(owner=user, product=product)
    url = reverse("product-delete", args=[product.pk])
    page = logged_in.get(url)
    assert "will be archived instead of deleted" in page.content.decode()
    product.refresh_from_db()
    assert not product.is_archived  # GET only asks
    logged_in.post(url)
    product.refresh_from_db()
    assert product.is_archived and IntakeEntry.objects.filter(product=product).count() == 1


def test_an_unused_product_is_deleted_after_confirmation(logged_in, user):
    product = SupplementProductFactory(owner=user)
    url = reverse("product-delete", args=[product.pk])
    assert logged_in.get(url).status_code == 200
    assert SupplementProduct.objects.filter(pk=product.pk).exists()
    assert logged_in.post(url).status_code == 302
    assert not SupplementProduct.objects.filter(pk=product.pk).exists()


@pytest.mark.parametrize("action", ["product-edit", "product-delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_persons_product_is_404(logged_in, other_user, glycinate, action, method):
    theirs = SupplementProductFactory(owner=other_user, name="Theirs")
    response = getattr(logged_in, method)(
        reverse(action, args=[theirs.pk]), product_data(glycinate, name="Mine now", save="1")
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs" and not theirs.is_archived
