"""Independent outputs on all cores: the formats of a product, the letters of a round.

Each piece runs in a child forked from this process (one per core at a time), which hands
back the bytes it made; pandoc and WeasyPrint run under it with the limits of
external/limits.py as before. Children, not threads: a fork from a process with other threads
running can inherit a lock one of them held (an import, a C library's) and hang, and
WeasyPrint's limited child is such a fork. Only bytes come back: what is done with them (the
atomic write, its journal entry, the cache record, the progress line) happens in the calling
process, one piece at a time, so crash safety is that of the sequential run and the files are
the same whatever finishes first.

`LAFAST_WORKERS=1` runs everything in this process, one piece after the other (for comparing,
or on a very small machine).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from lafast_docs.errors import RenderError
from lafast_docs.external import limits

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


def completed(
    jobs: Sequence[Callable[[], T]], prepare: Callable[[int], None] | None = None
) -> Iterator[tuple[int, T]]:
    """Run `jobs`, yielding (index, result) as each finishes, in the calling process.

    `prepare(i)` runs in the calling process just before job i starts, in the order of the
    jobs (e.g. reading the document the job writes: its child inherits what was read).
    The first failure (by index, among those that ran) is raised once the jobs already running
    have finished; of those, only the ones before it (by index) come back, as in a run one
    after the other; jobs not started yet are dropped."""
    count = min(workers(), len(jobs))
    if count <= 1:
        for i, job in enumerate(jobs):
            if prepare is not None:
                prepare(i)
            yield i, job()
        return
    waiting = list(enumerate(jobs))
    running: dict[int, tuple[int, int, list[bytes]]] = {}  # fd -> (index, pid, chunks)
    failed: list[tuple[int, BaseException]] = []
    try:
        while waiting or running:
            while waiting and len(running) < count and not failed:
                i, job = waiting.pop(0)
                if prepare is not None:
                    try:
                        prepare(i)
                    except BaseException as exc:  # as if job i had failed
                        failed.append((i, exc))
                        break
                fd, pid = _start(job)
                running[fd] = (i, pid, [])
            if failed:
                waiting.clear()
            if not running:
                break
            ready, _, _ = select.select(list(running), [], [])
            for fd in ready:
                i, pid, chunks = running[fd]
                chunk = os.read(fd, 1 << 20)
                if chunk:
                    chunks.append(chunk)
                    continue
                del running[fd]
                os.close(fd)
                os.waitpid(pid, 0)
                kind, value = _result(b"".join(chunks))
                if kind != "ok":
                    failed.append((i, value))
                elif not failed or i < min(f[0] for f in failed):  # before the first failure
                    yield i, value
    finally:
        for fd, (_i, pid, _chunks) in running.items():  # the caller stopped early
            os.kill(pid, signal.SIGKILL)
            os.close(fd)
            os.waitpid(pid, 0)
    if failed:
        raise min(failed, key=lambda x: x[0])[1]


def _start(job: Callable[[], Any]) -> tuple[int, int]:
    def child() -> bytes:  # pragma: no cover - runs in the child
        try:
            return _dumps(("ok", job()))
        except BaseException as exc:  # everything goes back to the parent
            return _dumps(("error", exc))

    return limits.fork_to_pipe(child)


def _dumps(result: tuple[str, Any]) -> bytes:
    try:
        data = pickle.dumps(result)
        pickle.loads(data)  # an exception that cannot be rebuilt goes back as its text
        return data
    except Exception:
        return pickle.dumps(("error", RenderError(f"{type(result[1]).__name__}: {result[1]}")))


def _result(data: bytes) -> tuple[str, Any]:
    if not data:
        return "error", RenderError(
            "Ein Teil der Ausgabe ist abgebrochen (zu wenig Arbeitsspeicher oder ein "
            "Programmfehler).",
            hint="Versuchen Sie es erneut; sonst mit LAFAST_WORKERS=1 (eins nach dem anderen).",
        )
    kind, value = pickle.loads(data)
    return kind, value
