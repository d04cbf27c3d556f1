"""Text rules for names and notes that arrive outside the forms (the API, imports, tokens)."""

from __future__ import annotations

import unicodedata


def control_character(text: str) -> str | None:
    """The first control or bidi-override character in ``text`` (shown as U+XXXX), or None.

    Such characters break PostgreSQL (NUL), terminals and the way a name reads on a page
    (U+202E turns text around), and no name or note needs them."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs") and char not in "\t":
            return f"U+{ord(char):04X}"
    return None
