"""Usernames that cannot pass for one another.

Two names are the same account name when they are equal after Unicode compatibility
normalisation (NFKC: fullwidth ``ａｌｉｃｅ`` is ``alice``), case folding (``Alice``, ``ALICE``,
``straße``/``STRASSE``) and mapping letters of other scripts that look like Latin ones
(Cyrillic ``а``, Greek ``ο``...) to those. That form, ``canonical``, is stored in a unique
column (``User.username_key``), so the database refuses a look-alike even from two
simultaneous sign-ups. New names mixing scripts (a Cyrillic ``а`` in ``аlice``) are refused
outright: no real name needs that, and it is how look-alikes are made.
"""

from __future__ import annotations

import unicodedata

# Letters of other scripts drawn like lower-case Latin letters (a subset of Unicode's
# confusables.txt, after case folding): enough for the look-alikes a keyboard can type.
_LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j",
        "к": "k", "ӏ": "l", "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s",
        "т": "t", "у": "y", "х": "x", "ԝ": "w", "ё": "e", "ї": "i", "ɡ": "g",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y", "ϲ": "c", "ϳ": "j",
        # Latin letters drawn like others
        "ı": "i", "ɩ": "i", "ł": "l",
    }
)  # fmt: skip

# Scripts used together in one language's writing count as one.
_SCRIPT_GROUPS = {"CJK": "HAN", "HIRAGANA": "HAN", "KATAKANA": "HAN", "HALFWIDTH": "HAN"}


def canonical(username: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())
    return folded.translate(_LOOKALIKES)


def scripts(username: str) -> set[str]:
    found = set()
    for char in unicodedata.normalize("NFKC", username):
        if unicodedata.category(char).startswith("L"):
            script = unicodedata.name(char, "UNKNOWN").split()[0]
            found.add(_SCRIPT_GROUPS.get(script, script))
    return found


def mixed_script_message(username: str) -> str | None:
    found = scripts(username)
    if len(found) > 1:
        names = ", ".join(sorted(s.title() for s in found))
        return (
            f"Use letters of one alphabet only; this name mixes {names}, which is how "
            "look-alike names are made."
        )
    return None
