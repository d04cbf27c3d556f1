"""POST /undo/: the Undo button of the message after a log, quick log, repeat or delete."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from tracker import flag_alerts
from tracker.models import IntakeEntry, SymptomEntry
from tracker.services import undo
from tracker.views.daily_helpers import back_to_day

MAX_TOKEN_LENGTH = 4000  # a deleted entry's every column, compressed, fits well within it


def offer(request: HttpRequest, text: str, token: str, level: int = messages.SUCCESS) -> None:
    """A message with an Undo button (base.html reads the token from the message's tags)."""
    messages.add_message(request, level, text, extra_tags=f"undo:{token}")


def delete_offering_undo(
    request: HttpRequest,
    entry: IntakeEntry | SymptomEntry,
    delete: Callable[..., object],
    what: str,
) -> HttpResponse:
    """Delete a logged entry or symptom at once, offer Undo, and show the day it was on.

    ``delete`` is the service that removes it (called with ``entry=``); ``what`` names it in
    the message. The token is taken before the delete, while the row can still be read.
    """
    day = entry.day
    token = undo.deleted_token(owner=request.user, entry=entry)
    delete(entry=entry)
    offer(request, f"Deleted {what} from {day:%d %b %Y}.", token)
    return back_to_day(day)


@login_required
@require_POST
def undo_view(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    if not token or len(token) > MAX_TOKEN_LENGTH:
        messages.error(request, "That undo link is not valid.")
        return redirect("dashboard")
    try:
        written = undo.undo(owner=request.user, token=token)
    except undo.UndoError as error:
        messages.error(request, str(error))
        return redirect("dashboard")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("dashboard")
    done = written.obj
    messages.success(request, done.message)
    flag_alerts.announce(request, written.crossed)
    return back_to_day(done.day) if done.day else redirect("dashboard")


urlpatterns = [path("undo/", undo_view, name="undo")]
