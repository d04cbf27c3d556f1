"""Journeys of the API tokens page and the Cronometer import, on a desktop and a phone."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_page, log_in
from tests.e2e.test_journeys import _week_table, bisglycinate
from tests.factories import UserFactory
from tests.tracker.test_cronometer import WITH_TIME as SERVINGS
from tracker import services
from tracker.models import IntakeEntry, SupplementProduct

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_j10_api_token(page: Page) -> None:
    """Make a read-and-write token, use it from another program, revoke it."""
    user = UserFactory(username="gus")
    log_in(page, "gus")
    page.goto("/accounts/tokens/")
    check_page(page, "api-tokens")
    page.get_by_label("Name").fill("Phone shortcut")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Make token").click()
    secret = page.locator("#new-token").inner_text().strip()
    assert secret.startswith("mgt_")
    check_page(page, "api-token-made")

    headers = {"Authorization": f"Bearer {secret}"}
    answer = page.request.post(
        "/api/symptoms",
        data={"day": date.today().isoformat(), "symptom": "cramps", "severity": 2},
        headers=headers,
    )
    assert answer.status == 201, answer.text()
    assert user.symptoms.count() == 1

    page.reload()  # the token is shown once only
    expect(page.locator("#new-token")).to_have_count(0)
    page.get_by_role("button", name=re.compile("Revoke")).click()
    expect(page.get_by_role("status").filter(has_text="Revoked")).to_be_visible()
    check_page(page, "api-token-revoked")
    assert page.request.get("/api/products", headers=headers).status == 401


def test_j11_cronometer_import(page: Page, tmp_path) -> None:
    """Import a Cronometer file, counting its supplement row as the person's product."""
    user = UserFactory(username="hana")
    services.create_product(
        owner=user,
        name="Magnesium Glycinate",
        form=bisglycinate(),
        label_basis=SupplementProduct.LabelBasis.COMPOUND,
        amount_per_serving_mg=Decimal("1000"),
    )  # 141 mg a capsule
    path = tmp_path / "servings.csv"
    path.write_text(SERVINGS, encoding="utf-8")

    log_in(page, "hana")
    page.goto("/import/")
    page.get_by_role("link", name="Import its Servings export").click()
    check_page(page, "cronometer-upload")
    page.get_by_label("Cronometer Servings export").set_input_files(path)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("This will add 5 entries")
    select = page.get_by_label(re.compile("Magnesium Glycinate"))
    expect(select).to_have_value(re.compile(r"\d+"))  # suggested: the product of that name
    check_page(page, "cronometer-preview")
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.get_by_role("status").filter(has_text="Imported from Cronometer")).to_be_visible()
    week = _week_table(page)
    # 5 Jan: 75.88 + 156.6 food; 6 Jan: 37.94 food, 2 x 141 = 282 supplement
    assert week["2026-01-05"] == (0.0, 232.5, 232.5)
    assert week["2026-01-06"] == (282.0, 37.9, 319.9)
    check_page(page, "cronometer-week")
    assert IntakeEntry.objects.filter(owner=user).count() == 5
