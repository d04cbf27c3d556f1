"""The citations people see next to a figure: a title they can look up, its publisher, year
and link (``tracker/data/citations.csv``, a copy of the checked list in the project's facts).

Provenance notes (how a figure was checked, which file it came from) stay in the data files
and the admin; pages, e-mails and exports show only these. No ORM here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CITATIONS_CSV = Path(__file__).resolve().parent / "data" / "citations.csv"


@dataclass(frozen=True)
class Citation:
    key: str
    title: str
    publisher: str
    year: str
    url: str

    @property
    def is_consumer_article(self) -> bool:
        """The product's own source documents: consumer articles, not clinical guidelines."""
        return self.publisher.startswith("consumer health article")

    @property
    def publisher_words(self) -> str:
        if self.is_consumer_article:
            return "a consumer health article, not a clinical guideline"
        return self.publisher

    def __str__(self) -> str:
        """One line for e-mails and plain text: "Title" (publisher, year) link."""
        parts = [self.publisher_words]
        if self.year:
            parts.append(self.year)
        text = f"\u201c{self.title}\u201d ({', '.join(parts)})"
        return f"{text} {self.url}" if self.url else text


@cache
def all_citations() -> dict[str, Citation]:
    with open(CITATIONS_CSV, newline="", encoding="utf-8") as fh:
        return {
            row["key"]: Citation(
                key=row["key"],
                title=row["shown_as"],
                publisher=row["publisher"],
                year=row["year"],
                url=row["url"],
            )
            for row in csv.DictReader(fh)
        }


def cite(key: str) -> Citation:
    """The citation for a key of citations.csv; an unknown key is a programming error."""
    return all_citations()[key]
