"""Peak memory of one process exporting one person's entries (run by bench/run.py).

Usage: export_memory.py DB_URL USERNAME WARMUP_USERNAME PATH

A fresh process per measurement, because the peak resident set size (ru_maxrss) only ever
goes up: the process first exports a small history (WARMUP_USERNAME) so that imports,
templates and connections are in place, notes its peak RSS, then exports USERNAME and notes
the peak again. The growth is what the export itself needed. A second pass under tracemalloc
gives the peak of Python allocations during the export. Prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402


def main() -> None:
    db_url, username, warmup_username, path = sys.argv[1:5]
    setup_django(db_url)
    from accounts.models import User
    from bench.pages import fetch, signed_in_client

    warm = signed_in_client(User.objects.get(username=warmup_username))
    client = signed_in_client(User.objects.get(username=username))
    for _ in range(2):
        fetch(warm, path)
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    fetched = fetch(client, path)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    tracemalloc.start()
    fetch(client, path)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(
        json.dumps(
            {
                "username": username,
                "status": fetched.status,
                "streamed": fetched.streamed,
                "rows": max(fetched.lines - 1, 0),
                "bytes": fetched.size,
                "seconds": seconds,
                "rss_before_kb": before_kb,
                "rss_peak_kb": peak_kb,
                "traced_peak_bytes": traced_peak,
            }
        )
    )


if __name__ == "__main__":
    main()
