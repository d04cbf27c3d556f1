"""Small pieces the daily-loop views share: where to go after a write, and turning a service's
ValidationError into form errors."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str, *, earliest: date, latest: date) -> date:
    """A YYYY-MM-DD day from a URL between ``earliest`` and ``latest``, else 404."""
    if not ISO_DAY.fullmatch(text):
        raise Http404("Not a date; use YYYY-MM-DD.")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Http404("No such date.")
    if not earliest <= day <= latest:
        raise Http404("Date out of range.")
    return day


def day_path(day: date) -> str:
    return reverse("day", kwargs={"day": day.isoformat()})


def back_to_day(day: date) -> HttpResponseRedirect:
    """After a write, show the day it changed: today is the dashboard."""
    if day == timezone.localdate():
        return redirect("dashboard")
    return redirect(day_path(day))


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a service's errors to the form's fields when it has them, else to the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
