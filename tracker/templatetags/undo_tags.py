"""``{{ message.extra_tags|undo_token }}``: the signed token a message's Undo button posts
(tracker.views.undo.offer puts it in the message's extra tags), or ""."""

from django import template

register = template.Library()


@register.filter
def undo_token(extra_tags: str) -> str:
    for tag in (extra_tags or "").split():
        if tag.startswith("undo:"):
            return tag.removeprefix("undo:")
    return ""
