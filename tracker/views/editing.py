"""Small pieces the add, edit and delete pages of entries, products and own foods share:
when a POST should write, turning a service's refusal into form errors, and the delete
confirmation page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from tracker.views.daily_helpers import add_service_errors

T = TypeVar("T")


def submitted(request: HttpRequest, form: forms.BaseForm, *, preview: bool = False) -> bool:
    """A POST of a valid form that asks to save (with ``preview``, not the Preview button)."""
    if request.method != "POST" or not form.is_valid():
        return False
    return not (preview and "preview" in request.POST)


def saved(form: forms.BaseForm, save: Callable[[], T]) -> T | None:
    """What ``save()`` returns, or None when a rule refused it (its errors go on the form)."""
    try:
        return save()
    except ValidationError as error:
        add_service_errors(form, error)
        return None


def confirm_delete(
    request: HttpRequest, title: str, question: str, cancel_url: str, button: str
) -> HttpResponse:
    """The page a GET of a delete address shows: the question, Cancel and the button."""
    return render(
        request,
        "tracker/daily/confirm_delete.html",
        {"title": title, "question": question, "cancel_url": cancel_url, "button": button},
    )


def crud_routes(prefix: str, name: str, list_view, add_view, edit_view, delete_view) -> list:
    """A list page at ``prefix`` (named ``name``-list) and its add, edit and delete pages."""
    return [
        path(prefix, list_view, name=f"{name}-list"),
        path(f"{prefix}add/", add_view, name=f"{name}-add"),
        path(f"{prefix}<int:pk>/edit/", edit_view, name=f"{name}-edit"),
        path(f"{prefix}<int:pk>/delete/", delete_view, name=f"{name}-delete"),
    ]


def entries_words(count: int) -> str:
    """ "1 entry", "3 entries"."""
    return f"{count} entr{'y' if count == 1 else 'ies'}"
