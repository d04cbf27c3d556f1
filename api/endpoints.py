"""The REST API for a person's own data (django-ninja): /api/, schema at /api/schema.

Token-only: ``Authorization: Bearer <token>`` (api/tokens.py). No session cookie is read,
so a browser tab signed in to the site cannot be made to write through the API (no CSRF
surface). Every object is loaded through the token owner's own rows: another person's id
answers 404, as it does on the pages. Writes go through tracker.services, the same rules and
the same page-cache invalidation as the forms. Every error is JSON with a ``detail`` message:
401 no or bad token, 403 read-only token, 404, 400 a rule refused the input (with ``errors``
by field), 422 the request does not match the schema, 429 too many requests.
"""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Query, Router, Status
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaError
from ninja.security import HttpBearer

from accounts.errors import AccountGone
from api import schemas
from api.throttle import TokenRateThrottle
from api.tokens import find_token
from tracker import selectors, series, services
from tracker.models import IntakeEntry, SupplementProduct, SymptomEntry

logger = logging.getLogger("django.request")

# The range of days the API reads or writes: the rules know nothing before 1900, and a
# 9999-12-31 week would end past the calendar.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)
MAX_RANGE_DAYS = 366


class TokenAuth(HttpBearer):
    """Any live token; ``write=True`` also refuses read-only tokens (403)."""

    def __init__(self, *, write: bool = False) -> None:
        super().__init__()
        self.write = write

    def authenticate(self, request: HttpRequest, token: str):
        found = find_token(token)
        if found is not None and self.write and not found.can_write:
            raise HttpError(403, "This token is read-only: make a read-and-write token to log.")
        return found


READ = TokenAuth()
WRITE = TokenAuth(write=True)

api = NinjaAPI(
    title="Magnesium tracker API",
    version="1",
    description=(
        "Your own products, entries, symptoms and daily magnesium. Authenticate with a "
        "personal access token from /accounts/tokens/ as `Authorization: Bearer <token>`. "
        "Figures are strings: `*_mg` rounded once (half up, one decimal), `*_mg_exact` exact."
    ),
    auth=READ,
    throttle=[TokenRateThrottle()],
    openapi_url="/schema",
    docs_url="/docs",
    urls_namespace="api",
)

ERRORS = {
    400: schemas.Problem,
    401: schemas.Message,
    403: schemas.Message,
    404: schemas.Message,
    422: schemas.Message,
    429: schemas.Message,
}
READ_ERRORS = {code: schema for code, schema in ERRORS.items() if code not in (400, 403)}


def _error(request: HttpRequest, status: int, detail: str, **extra) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(ValidationError)
def _rule_refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = next(iter(errors.values()))[0]
    return _error(request, 400, first, errors=errors)


@api.exception_handler(SchemaError)
def _schema_refused(request: HttpRequest, exc: SchemaError) -> HttpResponse:
    problems = [
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
        for e in exc.errors
    ]
    return _error(request, 422, "; ".join(problems)[:2000] or "The request is not valid.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "Not found: no such object among yours.")


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        "Send a live token as 'Authorization: Bearer <token>' (make one at /accounts/tokens/).",
    )


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return _error(
        request,
        429,
        f"Too many requests with this token: at most {TokenRateThrottle.limit()} a minute. "
        "Wait a minute and try again.",
    )


@api.exception_handler(AccountGone)
def _account_gone(request: HttpRequest, exc: AccountGone) -> HttpResponse:
    return _error(request, 401, "This token's account no longer exists.")


@api.exception_handler(Exception)
def _failed(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug still answers JSON (and is logged with its traceback, as Django would)."""
    if isinstance(exc, HttpError):
        return _error(request, exc.status_code, str(exc))
    logger.error("API request failed: %s", request.path, exc_info=exc)
    return _error(request, 500, "Something went wrong on our side; it has been logged.")


def _check_day(day: date, name: str = "day") -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise HttpError(422, f"{name}: give a day between {FIRST_DAY} and {LAST_DAY}.")


def _check_range(start: date, end: date) -> None:
    _check_day(start, "start")
    _check_day(end, "end")
    if end < start:
        raise HttpError(422, "end: the end of the range is before its start.")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise HttpError(422, f"end: a range covers at most {MAX_RANGE_DAYS} days.")


def _owner(request: HttpRequest):
    return request.auth.owner


def _in_range(request: HttpRequest, model, filters: schemas.RangePage):
    """The owner's rows of ``model`` on the days ``filters`` asks for (422 past the limits)."""
    start, end = filters.bounds(services.person_today(_owner(request)))
    _check_range(start, end)
    return model.objects.filter(owner=_owner(request), day__range=(start, end))


def _when(body: schemas.SupplementIn | schemas.FoodIn) -> dict:
    """The day, clock time and note of an entry to log."""
    return {"day": body.day, "time": body.time, "note": body.note}


def _logged(written) -> Status:
    return Status(201, schemas.entry_out(written.obj, flags=written.crossed))


# --- Products ----------------------------------------------------------------------------

products = Router(tags=["products"])


@products.get("", response={200: list[schemas.ProductOut], **READ_ERRORS}, url_name="api-products")
def list_products(request: HttpRequest, archived: bool = False):
    """Your supplement and medication products (archived ones with ``archived=true``)."""
    rows = SupplementProduct.objects.filter(owner=_owner(request), is_archived=archived)
    return [schemas.product_out(p) for p in rows.select_related("form").order_by("name", "id")]


# --- Entries -----------------------------------------------------------------------------

entries = Router(tags=["entries"])


def _logs_entry(path: str, url_name: str):
    """The route of an endpoint that logs an entry: write tokens only, 201 with the entry."""
    return entries.post(
        path, response={201: schemas.EntryOut, **ERRORS}, auth=WRITE, url_name=url_name
    )


@entries.get("", response={200: schemas.EntryPage, **READ_ERRORS}, url_name="api-entries")
def list_entries(request: HttpRequest, filters: Query[schemas.RangePage]):
    """Your entries from ``start`` to ``end`` (inclusive, at most 366 days; default: the last
    7 days), oldest first, ``limit`` at a time from ``offset``."""
    rows = _in_range(request, IntakeEntry, filters)
    total = rows.count()
    page = rows.select_related("product", "food").order_by("day", "time", "id")[
        filters.offset : filters.offset + filters.limit
    ]
    return schemas.page(schemas.EntryPage, [schemas.entry_out(e) for e in page], total, filters)


@entries.get(
    "/{int:entry_id}",
    response={200: schemas.EntryOut, **READ_ERRORS},
    url_name="api-entry",
)
def get_entry(request: HttpRequest, entry_id: int):
    entry = get_object_or_404(
        IntakeEntry.objects.select_related("product", "food"), pk=entry_id, owner=_owner(request)
    )
    return schemas.entry_out(entry)


@entries.delete(
    "/{int:entry_id}",
    response={204: None, **ERRORS},
    auth=WRITE,
    url_name="api-entry",
)
def delete_entry(request: HttpRequest, entry_id: int):
    entry = get_object_or_404(IntakeEntry, pk=entry_id, owner=_owner(request))
    services.delete_entry(entry=entry)
    return Status(204, None)


@_logs_entry("/supplements", "api-entry-supplement")
def log_supplement(request: HttpRequest, body: schemas.SupplementIn):
    """Log a dose of one of your products: ``servings``, or ``quantity`` in ``unit`` (one of
    the product's dose units: "serving", its serving unit, "mg" for powders...)."""
    owner = _owner(request)
    _check_day(body.day)
    product = get_object_or_404(SupplementProduct, pk=body.product_id, owner=owner)
    written = services.log_supplement(
        owner=owner,
        product=product,
        servings=body.servings,
        quantity=body.quantity,
        unit=body.unit,
        confirm_large=body.confirm_large,
        **_when(body),
    )
    return _logged(written)


@_logs_entry("/foods", "api-entry-food")
def log_food(request: HttpRequest, body: schemas.FoodIn):
    """Log a food (a reference food or one of your own) by ``grams`` or ``servings``."""
    owner = _owner(request)
    _check_day(body.day)
    food = get_object_or_404(selectors.visible_foods(user=owner), pk=body.food_id)
    if (body.grams is None) == (body.servings is None):
        raise ValidationError({"grams": "Give either grams or servings."})
    written = services.log_food(
        owner=owner, food=food, grams=body.grams, servings=body.servings, **_when(body)
    )
    return _logged(written)


# --- Symptoms ----------------------------------------------------------------------------

symptoms = Router(tags=["symptoms"])


@symptoms.get("", response={200: schemas.SymptomPage, **READ_ERRORS}, url_name="api-symptoms")
def list_symptoms(request: HttpRequest, filters: Query[schemas.RangePage]):
    rows = _in_range(request, SymptomEntry, filters)
    total = rows.count()
    page = rows.order_by("day", "id")[filters.offset : filters.offset + filters.limit]
    return schemas.page(schemas.SymptomPage, [schemas.symptom_out(s) for s in page], total, filters)


@symptoms.post(
    "",
    response={201: schemas.SymptomOut, **ERRORS},
    auth=WRITE,
    url_name="api-symptoms",
)
def log_symptom(request: HttpRequest, body: schemas.SymptomIn):
    _check_day(body.day)
    written = services.log_symptom(
        owner=_owner(request),
        day=body.day,
        symptom=body.symptom,
        severity=body.severity,
        note=body.note,
    )
    return Status(201, schemas.symptom_out(written.obj))


# --- Days and weeks ----------------------------------------------------------------------

days = Router(tags=["days"])


@days.get("/days/{day}", response={200: schemas.DayOut, **READ_ERRORS}, url_name="api-day")
def day(request: HttpRequest, day: date):
    """A day's totals against your target and the supplement upper limit, and its flags."""
    _check_day(day)
    overview = selectors.day_overview(user=_owner(request), day=day)
    return schemas.day_out(overview)


@days.get("/weeks/{day}", response={200: schemas.WeekOut, **READ_ERRORS}, url_name="api-week")
def week(request: HttpRequest, day: date):
    """The Monday-to-Sunday week that holds ``day``, one row per day."""
    _check_day(day)
    start, end = series.week_bounds(day)
    rows = series.day_series(_owner(request), start, end)
    return schemas.WeekOut(start=start, end=end, days=[schemas.series_day_out(d) for d in rows])


api.add_router("/products", products)
api.add_router("/entries", entries)
api.add_router("/symptoms", symptoms)
api.add_router("", days)


@csrf_exempt  # the API has no session writes; an unknown address says so for any method
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other /api/ address: JSON, like the rest of the API, never the HTML 404 page."""
    return JsonResponse({"detail": "No such API address; see /api/docs."}, status=404)
