"""Independent outputs on all cores: the formats of a product, the letters of a round.

The heavy work of every writer already runs outside this process (pandoc as a subprocess,
WeasyPrint in a forked, time- and memory-limited child: external/limits.py), so threads are
enough to keep both cores busy, and every limit stays as it is. Only the writers' bytes are
made in parallel: what is done with them (the atomic write, its journal entry, the cache
record, the progress line) happens in the calling thread, one piece at a time, so crash safety
is that of the sequential run and the files are the same whatever finishes first.

`LAFAST_WORKERS=1` makes everything sequential (for comparing, or on a very small machine).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")


def workers() -> int:
    """How many pieces at once: the cores this process may use, or `LAFAST_WORKERS`."""
    try:
        wanted = int(os.environ.get("LAFAST_WORKERS", "0"))
    except ValueError:
        wanted = 0
    if wanted > 0:
        return wanted
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def completed(jobs: Sequence[Callable[[], T]]) -> Iterator[tuple[int, T]]:
    """Run `jobs`, yielding (index, result) as each finishes, in the calling thread.

    The first failure (by index, among those that ran) is raised once the jobs already running
    have finished; jobs not started yet are dropped."""
    count = min(workers(), len(jobs))
    if count <= 1:
        for i, job in enumerate(jobs):
            yield i, job()
        return
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="lafast") as pool:
        pending: dict[Future[T], int] = {pool.submit(job): i for i, job in enumerate(jobs)}
        failed: list[tuple[int, BaseException]] = []
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: pending[f]):
                    i = pending.pop(future)
                    error = future.exception()
                    if error is not None:
                        failed.append((i, error))
                    elif not failed:
                        yield i, future.result()
                if failed:
                    for future in pending:
                        future.cancel()
                    wait(pending)
                    for future, i in pending.items():
                        if not future.cancelled() and future.exception() is not None:
                            failed.append((i, future.exception()))  # type: ignore[arg-type]
                    pending.clear()
        finally:
            for future in pending:  # the caller stopped early (an error while writing)
                future.cancel()
        if failed:
            raise min(failed, key=lambda x: x[0])[1]
