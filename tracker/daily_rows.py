"""Display rows for the day page and the dashboard, prepared once per request in Python.

The dashboard is the page people see most, and the first view after each change renders it
afresh: per-entry template filters, {% url %} tags and includes were most of its cost. Each
row here is plain text the template prints as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.db.models import F
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from tracker import selectors
from tracker.day_sql import DayEntry
from tracker.models import EntryKind, SupplementProduct
from tracker.templatetags.mg import mg

_ID = 987654321  # a placeholder id, replaced in the reversed path


@dataclass(frozen=True)
class QuickProduct:
    pk: int
    label: str  # "Glycinate x2"
    full_name: str
    mg: str  # per serving
    url: str


def plain_number(value: Decimal | None, places: int) -> str:
    """1.500 -> "1.5", 2.000 -> "2": at most ``places`` decimals, no trailing zeros."""
    if value is None:
        return ""
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-places))
    text = f"{rounded:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _path(name: str) -> str:
    return reverse(name, args=[_ID]).replace(str(_ID), "{}")


# One entry of the day's list (tracker/daily/_overview.html prints them as they are). Built
# here rather than in the template: ten rows of a dozen variables each through the template
# engine cost 1.5 ms of the dashboard's first view after a log (about 9 ms in all).
ENTRY_ITEM = """<li class="list-group-item">
      <div class="d-flex flex-wrap justify-content-between gap-2">
        <span>{time}<strong>{name}</strong>{badge}</span>
        <span class="text-nowrap fw-semibold">{mg}</span>
      </div>
      <div class="d-flex flex-wrap justify-content-between align-items-center gap-2">
        <span class="small text-body-secondary">{detail}</span>
        <form method="post" action="{delete_url}" class="d-flex gap-2 align-items-center small">{csrf_input}
          <a href="{edit_url}">Edit<span class="visually-hidden"> {name}</span></a>
          <button type="submit" class="btn btn-link btn-sm link-danger p-0 align-baseline">Delete<span class="visually-hidden"> {name}</span></button>
        </form>
      </div>
    </li>"""  # noqa: E501
TIME = '<span class="text-body-secondary">{}</span> '
BADGE = ' <span class="badge text-bg-light border">{}</span>'


def entry_detail(entry: DayEntry) -> str:
    """ "2 tablets", "1.5 x 1 oz = 42.5 g", with the note after a dot."""
    if entry.product_id:
        detail = entry.dose_words
    else:
        parts = []
        if entry.servings:
            parts.append(f"{plain_number(entry.servings, 3)} x {entry.serving_desc}")
        if entry.grams is not None:
            parts.append(f"{plain_number(entry.grams, 2)} g")
        detail = " = ".join(parts)
    if entry.note:
        detail = f"{detail} · {entry.note}" if detail else entry.note
    return detail


def entry_items(entries: list[DayEntry], *, csrf_input: str) -> list[SafeString]:
    """The day's entries as list items, each with its Edit link and Delete button (whose form
    carries ``csrf_input``, the request's hidden token field)."""
    edit, delete = _path("entry-edit"), _path("entry-delete")
    items = []
    for entry in entries:
        # Every text is escaped here (html.escape, as django.utils.html.escape does, without
        # its lazy-string wrapper: format_html cost 50 us an entry); the fragments are ours.
        name = escape(entry.name)
        time = TIME.format(entry.time.strftime("%H:%M")) if entry.time else ""
        badge = "" if entry.kind == EntryKind.FOOD else BADGE.format(escape(entry.kind_words))
        html = ENTRY_ITEM.format(
            time=time,
            name=name,
            badge=badge,
            mg=escape(mg(entry.elemental_mg)),
            detail=escape(entry_detail(entry)),
            delete_url=escape(delete.format(entry.pk)),
            edit_url=escape(edit.format(entry.pk)),
            csrf_input=csrf_input,
        )
        items.append(mark_safe(html))  # noqa: S308 (built above from escaped text)
    return items


SHORT_NAME_CHARS = 18


def _shorten(text: str, limit: int = SHORT_NAME_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def short_label(product: SupplementProduct, *, form_shared: bool) -> str:
    """What a quick-log button says: the compound's short name ("Glycinate") and the serving
    count when it is not one ("x2"); the product's own (shortened) name when two products
    share a compound or the compound has no short name."""
    # "L-threonate (anhydrous)" -> "L-threonate": the hydrate is for the label arithmetic.
    short = (product.form.short_name or "").split(" (")[0].strip() if product.form_id else ""
    base = _shorten(product.name) if form_shared or not short else short[:1].upper() + short[1:]
    count = plain_number(product.serving_quantity, 2)
    return base if count in ("", "1") else f"{base} x{count}"


def quick_products(products: list[SupplementProduct]) -> list[QuickProduct]:
    """The dashboard's buttons. Two products whose short labels would read the same (one
    compound, or two hydrates of one) are named by their own names instead."""
    labels = [short_label(p, form_shared=False) for p in products]
    seen: dict[str, int] = {}
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
    url = _path("quick-log-product")
    return [
        QuickProduct(
            pk=p.pk,
            label=label if seen[label] == 1 else short_label(p, form_shared=True),
            full_name=str(p),
            mg=mg(p.elemental_mg_per_serving),
            url=url.format(p.pk),
        )
        for p, label in zip(products, labels, strict=True)
    ]


def search_foods_own_first(*, user, query: str, limit: int = 30) -> list:
    """Foods matching the query, the person's own first (they are what they log most), then
    the reference foods, each group by name."""
    return list(
        selectors.visible_foods(user=user)
        .filter(selectors.name_search(query))
        .order_by(F("owner").asc(nulls_last=True), "name")[:limit]
    )


@dataclass(frozen=True)
class SuggestionRow:
    name: str
    detail: str  # "1 oz (28.35 g): 76.5 mg; 2 servings to close the gap"
    url: str


def suggestion_rows(suggestions: list, *, day_query: str) -> list[SuggestionRow]:
    """The food suggestions below a short day, each with its "Log it" address (on the day)."""
    base = reverse("entry-add-food")
    extra = day_query.replace("?", "&", 1)
    rows = []
    for s in suggestions:
        detail = f"{s.food.serving_desc} ({plain_number(s.food.serving_grams, 2)} g): "
        detail += mg(s.mg_per_serving)
        if not s.closes_with_one_serving:
            detail += f"; {s.servings_needed} servings to close the gap"
        rows.append(SuggestionRow(s.food.name, detail, f"{base}?food={s.food.pk}{extra}"))
    return rows
