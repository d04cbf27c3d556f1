"""My routine: planned doses, today's checklist (taken, skipped, snoozed), stock and refills,
other medicines, notification settings, Web Push (subscription, the notification's buttons,
the service worker and manifest) and the task queue's health."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Min
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from tracker import flag_alerts, intake, services, tasks
from tracker import routine_rules as rules
from tracker.forms.routine import (
    BottleForm,
    DoseForm,
    MedicineForm,
    NotificationSettingsForm,
    SkipForm,
    StockForm,
)
from tracker.models import Medicine, RoutineDose, Stock, SupplementProduct
from tracker.services import routine as routine
from tracker.views.daily_helpers import add_service_errors
from tracker.views.editing import confirm_delete, saved, submitted

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise Http404("no such day") from error


def _back(request: HttpRequest, day: date) -> HttpResponse:
    if day == services.person_today(request.user):
        return redirect("dashboard")
    return redirect("day", day=day.isoformat())


def _announce_check(request: HttpRequest, check: routine.RoutineCheck) -> None:
    for note in check.notes:
        level = messages.ERROR if note.level == "danger" else messages.WARNING
        if note.level == "info":
            level = messages.INFO
        messages.add_message(
            request, level, f"{note.text} Source: {note.citation.title} ({note.citation.year})."
        )


def _save_dose(
    request: HttpRequest, form: DoseForm, verb: str, *, dose: RoutineDose | None = None
) -> HttpResponse | None:
    """Save the form's dose (a new one, or ``dose`` changed), then go back to the routine
    saying what was saved and what the routine's check finds. None when a rule refused it:
    its errors are on the form."""
    written = saved(
        form, lambda: routine.save_dose(owner=request.user, dose=dose, **form.service_kwargs())
    )
    if not written:
        return None
    dose, check = written.obj
    messages.success(request, f"{verb} {dose.product.name} at {dose.time:%H:%M}.")
    _announce_check(request, check)
    return redirect("routine")


@login_required
@require_http_methods(["GET", "POST"])
def routine_page(request: HttpRequest) -> HttpResponse:
    """The planned doses, the form to add one, and what the routine adds up to."""
    form = DoseForm(request.POST or None, user=request.user)
    if submitted(request, form):
        done = _save_dose(request, form, "Planned")
        if done:
            return done
    today = services.person_today(request.user)
    doses = list(
        RoutineDose.objects.filter(owner=request.user)
        .select_related("product", "product__form")
        .prefetch_related("product__other_forms")
    )
    stocks = {
        s.product_id: s for s in Stock.objects.filter(owner=request.user).select_related("product")
    }
    medicines = list(Medicine.objects.filter(owner=request.user))
    rows = [
        {
            "dose": d,
            "mg": intake.quantize_mg(routine.dose_mg(d)),
            "notes": routine.medicine_notes(magnesium_at=d.time, medicines=medicines),
        }
        for d in doses
    ]
    check = routine.check_routine(owner=request.user, on=today)
    week = routine.adherence(owner=request.user, start=today - timedelta(days=6), end=today)
    return render(
        request,
        "tracker/routine/routine.html",
        {
            "form": form,
            "rows": rows,
            "check": check,
            "daily_mg": intake.quantize_mg(check.daily_mg),
            "stocks": [stocks[p] for p in sorted(stocks, key=lambda k: stocks[k].product.name)],
            "week": week,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dose_edit(request: HttpRequest, pk: int) -> HttpResponse:
    dose = get_object_or_404(RoutineDose, pk=pk, owner=request.user)
    initial = {
        "product": dose.product,
        "quantity": dose.quantity.normalize(),
        "unit": dose.unit,
        "time": dose.time,
        "weekdays": list(dose.weekdays),
        "start_date": dose.start_date,
        "end_date": dose.end_date,
    }
    form = DoseForm(request.POST or None, user=request.user, initial=initial)
    if submitted(request, form):
        done = _save_dose(request, form, "Saved", dose=dose)
        if done:
            return done
    return render(request, "tracker/routine/dose_form.html", {"form": form, "dose": dose})


@login_required
@require_http_methods(["GET", "POST"])
def dose_delete(request: HttpRequest, pk: int) -> HttpResponse:
    dose = get_object_or_404(RoutineDose, pk=pk, owner=request.user)
    if request.method == "POST":
        routine.delete_dose(dose=dose)
        messages.success(request, "Removed the planned dose; what you logged stays.")
        return redirect("routine")
    return confirm_delete(
        request,
        "Remove this planned dose?",
        f"Remove {dose.product.name} at {dose.time:%H:%M} from your routine? "
        "Doses already logged stay in your history.",
        reverse("routine"),
        "Remove",
    )


def _dose_action(request: HttpRequest, pk: int, day: str, action) -> HttpResponse:
    dose = get_object_or_404(
        RoutineDose.objects.select_related("product", "product__form", "owner"),
        pk=pk,
        owner=request.user,
    )
    when = _day(day)
    if request.method != "POST":  # a bookmarked or shared link: a GET never writes
        return _back(request, when)
    try:
        action(dose, when)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(request, when)


@login_required
@require_http_methods(["GET", "POST"])
def dose_take(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    def take(dose, when):
        written = routine.take_dose(dose=dose, day=when)
        messages.success(request, f"Logged {dose.product.name}.")
        # The logged dose can cross a flag: said on the next page, as after any log.
        flag_alerts.announce(request, written.crossed)

    return _dose_action(request, pk, day, take)


@login_required
@require_http_methods(["GET", "POST"])
def dose_skip(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    form = SkipForm(request.POST)

    def skip(dose, when):
        if not form.is_valid():
            raise ValidationError(form.errors["reason"])
        routine.skip_dose(dose=dose, day=when, reason=form.cleaned_data["reason"])
        messages.info(request, f"Skipped {dose.product.name}.")

    return _dose_action(request, pk, day, skip)


@login_required
@require_http_methods(["GET", "POST"])
def dose_snooze(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    def snooze(dose, when):
        routine.snooze_dose(dose=dose, day=when)
        messages.info(request, f"I will remind you again in {routine.SNOOZE_MINUTES} minutes.")

    return _dose_action(request, pk, day, snooze)


@login_required
@require_http_methods(["GET", "POST"])
def stock_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Units on hand of one product: a new bottle adds; a count sets."""
    product = get_object_or_404(SupplementProduct, pk=pk, owner=request.user)
    stock = Stock.objects.filter(product=product).first()
    posted = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "set")
    bottle = BottleForm(posted if action == "bottle" else None)
    count = StockForm(
        posted if action != "bottle" else None,
        initial={
            "units": stock.units_on_hand.normalize() if stock else 0,
            "refill_days": stock.refill_days if stock else rules.DEFAULT_REFILL_DAYS,
        },
    )
    form = bottle if action == "bottle" else count
    if posted is not None and form.is_valid():
        try:
            if form is bottle:
                stock = routine.open_bottle(
                    owner=request.user, product=product, units=form.cleaned_data["units"]
                ).obj
            else:
                stock = routine.set_stock(
                    owner=request.user,
                    product=product,
                    units=form.cleaned_data["units"],
                    refill_days=form.cleaned_data["refill_days"],
                ).obj
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{product.name}: {stock.units_on_hand.normalize():f} on hand."
            )
            return redirect("routine")
    per_day = routine.per_day_use(product)
    left = rules.days_left(stock.units_on_hand, per_day) if stock else None
    return render(
        request,
        "tracker/routine/stock.html",
        {
            "product": product,
            "stock": stock,
            "bottle_form": bottle,
            "count_form": count,
            "days_left": int(left) if left is not None else None,
            "per_day": per_day.quantize(Decimal("0.01")).normalize(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def medicines_page(request: HttpRequest) -> HttpResponse:
    form = MedicineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            routine.add_medicine(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Added.")
            return redirect("routine-medicines")
    medicines = list(Medicine.objects.filter(owner=request.user))
    table = rules.medicine_rules()
    rows = [{"medicine": m, "rule": table.get(m.group)} for m in medicines]
    return render(
        request,
        "tracker/routine/medicines.html",
        {
            "form": form,
            "rows": rows,
            "notes": routine.medicine_notes(magnesium_at=None, medicines=medicines),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def medicine_delete(request: HttpRequest, pk: int) -> HttpResponse:
    medicine = get_object_or_404(Medicine, pk=pk, owner=request.user)
    if request.method != "POST":  # a GET never writes
        return redirect("routine-medicines")
    routine.delete_medicine(medicine=medicine)
    messages.success(request, "Removed.")
    return redirect("routine-medicines")


@login_required
@require_http_methods(["GET", "POST"])
def notifications_page(request: HttpRequest) -> HttpResponse:
    """Every channel in one place, each opt-in, each off with one tick."""
    current = routine.settings_for(request.user)
    initial = {
        name: getattr(current, name)
        for name in ("email_reminders", "push_reminders", "refill_notices", "quiet_start")
    }
    initial["quiet_end"] = current.quiet_end
    form = NotificationSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        routine.save_settings(owner=request.user, **form.cleaned_data)
        messages.success(request, "Saved your notification settings.")
        return redirect("routine-notifications")
    return render(
        request,
        "tracker/routine/notifications.html",
        {
            "form": form,
            "vapid_public_key": settings.VAPID_PUBLIC_KEY,
            "has_email": bool(request.user.email),
            "subscriptions": request.user.push_subscriptions.count(),
        },
    )


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> HttpResponse:
    """The browser's PushSubscription (JSON), sent by static/js/routine_push.js."""
    try:
        data = json.loads(request.body or b"{}")
        endpoint = str(data["endpoint"])
        keys = data["keys"]
        p256dh, auth = str(keys["p256dh"]), str(keys["auth"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "Expected a push subscription."}, status=400)
    if not endpoint.startswith("https://") and not settings.DEBUG:
        return JsonResponse({"error": "A push endpoint must use https."}, status=400)
    if len(endpoint) > 1000 or len(p256dh) > 200 or len(auth) > 100:
        return JsonResponse({"error": "That subscription is too long."}, status=400)
    try:
        routine.subscribe_push(owner=request.user, endpoint=endpoint, p256dh=p256dh, auth=auth)
    except ValidationError:
        return JsonResponse({"error": "Expected a push subscription."}, status=400)
    return JsonResponse({"ok": True})


@csrf_exempt  # the signed token, not a session, proves who is asking (a service worker)
@require_POST
def push_action(request: HttpRequest) -> HttpResponse:
    """A notification's "taken" or "snooze" button, posted by the service worker."""
    try:
        owner_id, dose_id, day = tasks.read_push_token(request.POST.get("token", ""))
    except (signing.BadSignature, ValueError, TypeError):
        return JsonResponse({"error": "This notification has expired."}, status=400)
    owner = get_object_or_404(User, pk=owner_id, is_active=True)
    dose = get_object_or_404(
        RoutineDose.objects.select_related("product", "product__form"), pk=dose_id, owner=owner
    )
    dose.owner = owner
    action = request.POST.get("action")
    try:
        if action == "taken":
            routine.take_dose(dose=dose, day=day)
        elif action == "snooze":
            routine.snooze_dose(dose=dose, day=day)
        else:
            return JsonResponse({"error": "Unknown action."}, status=400)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"ok": True, "action": action})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served at the site's root so that its scope covers every page."""
    body = (STATIC_DIR / "js" / "sw.js").read_text(encoding="utf-8")
    response = HttpResponse(body, content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": "Magnesium tracker",
        "short_name": "Mg tracker",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "icons": [
            {
                "src": request.build_absolute_uri("/static/img/favicon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
            }
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json")


@never_cache
@require_GET
def healthz_queue(request: HttpRequest) -> HttpResponse:
    """503 when the oldest task due to run has waited longer than TASK_QUEUE_STUCK_SECONDS:
    no worker is running, or they cannot keep up."""
    from django_tasks_db.models import DBTaskResult

    oldest = DBTaskResult.objects.ready().aggregate(oldest=Min("enqueued_at")).get("oldest")
    limit = timedelta(seconds=settings.TASK_QUEUE_STUCK_SECONDS)
    if oldest is not None and timezone.now() - oldest > limit:
        waited = int((timezone.now() - oldest).total_seconds())
        return HttpResponse(
            f"queue stuck: oldest due task waiting {waited} s",
            status=503,
            content_type="text/plain",
        )
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("routine/", routine_page, name="routine"),
    path("routine/<int:pk>/edit/", dose_edit, name="routine-edit"),
    path("routine/<int:pk>/delete/", dose_delete, name="routine-delete"),
    path("routine/<int:pk>/<str:day>/take/", dose_take, name="routine-take"),
    path("routine/<int:pk>/<str:day>/skip/", dose_skip, name="routine-skip"),
    path("routine/<int:pk>/<str:day>/snooze/", dose_snooze, name="routine-snooze"),
    path("routine/stock/<int:pk>/", stock_page, name="routine-stock"),
    path("routine/medicines/", medicines_page, name="routine-medicines"),
    path("routine/medicines/<int:pk>/delete/", medicine_delete, name="routine-medicine-delete"),
    path("routine/notifications/", notifications_page, name="routine-notifications"),
    path("routine/push/subscribe/", push_subscribe, name="routine-push-subscribe"),
    path("routine/push/action/", push_action, name="routine-push-action"),
    path("sw.js", service_worker, name="service-worker"),
    path("manifest.webmanifest", manifest, name="manifest"),
    path("healthz/queue", healthz_queue, name="healthz-queue"),
]
