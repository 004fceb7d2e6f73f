"""list_staged over a 20k-file local tree against fsspec's find() + sort, side by side.

list_staged streams (depth-first, one folder's names at a time) and checks every entry for
symlink loops and non-regular files; the baseline builds the whole detail dict first.

    .venv/bin/python benchmarks/staging_listing.py          # ~30 s, most of it creating the files
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable

from fsspec.implementations.local import LocalFileSystem

from airflow_provider_faceid.staging import list_staged


def timed(fn: Callable[[], int]) -> tuple[float, float, int]:
    """Seconds (plain run), then peak MB (a second run under tracemalloc, which slows it down)."""
    started = time.perf_counter()
    count = fn()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak / 1e6, count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folders", type=int, default=200)
    parser.add_argument("--per-folder", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        for i in range(args.folders):
            sub = os.path.join(root, f"batch {i:04d}")
            os.mkdir(sub)
            for j in range(args.per_folder):
                open(os.path.join(sub, f"身份证 {j:04d}.jpg"), "wb").close()
        list(list_staged(os.path.join(root, "batch 0000")))  # imports out of the timing

        fs = LocalFileSystem()
        base_t, base_mb, base_n = timed(lambda: len(sorted(fs.find(root, detail=True))))
        ours_t, ours_mb, ours_n = timed(lambda: sum(1 for _ in list_staged(root)))
        assert base_n == ours_n
        print(f"{ours_n} files in {args.folders} folders (peak memory traced in a second run)")
        print(f"  fsspec find(detail=True) + sort: {base_t:6.2f} s, peak {base_mb:6.1f} MB")
        print(f"  list_staged (streamed):          {ours_t:6.2f} s, peak {ours_mb:6.1f} MB")
        print(f"  ratio: {base_t / ours_t:.1f}x time, {base_mb / max(ours_mb, 1e-6):.0f}x memory")


if __name__ == "__main__":
    main()
