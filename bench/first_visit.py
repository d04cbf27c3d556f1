"""What a first visit transfers: each page's HTML and every file it makes the browser load
(stylesheets, scripts, icon, manifest), as the server sends them to a browser that accepts
gzip. Runs inside bench/run.py after django.setup(), in-process like bench/pages.py."""

from __future__ import annotations

import gzip
import re
from datetime import date

from bench.pages import page_paths, signed_in_client

# The files a page makes the browser fetch: <link href> and <script src> in its HTML.
LOADS = re.compile(r'<(?:link[^>]*?\shref|script[^>]*?\ssrc)="([^"]+)"')


def _sent(response) -> tuple[int, bool]:
    """(bytes on the wire, whether the server compressed them)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(body), response.get("Content-Encoding", "") == "gzip"


def first_visits(user, today: date) -> list[dict]:
    """Per page (not the export): the HTML's bytes as sent and gzip-compressed, and each file
    it loads with the bytes sent (gzip when the server has it so)."""
    client, found = signed_in_client(user), []
    for label, path in page_paths(today)[:4]:
        page = client.get(path)
        html = page.content
        files = []
        for url in dict.fromkeys(LOADS.findall(html.decode())):
            if not url.startswith("/"):
                continue  # nothing comes from another site (the app works offline)
            sent, compressed = _sent(client.get(url, HTTP_ACCEPT_ENCODING="gzip"))
            files.append({"url": url, "bytes": sent, "gzip": compressed})
        found.append({
            "label": label, "path": path, "html": len(html),
            "html_gzip": len(gzip.compress(html, 6)), "files": files,
        })  # fmt: skip
    return found
