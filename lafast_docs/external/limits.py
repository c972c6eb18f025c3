"""Bounded time and memory for the document tools: a pathological draft fails with a German
message instead of hanging the office's laptop.

Three layers:
- `check_source`: cheap checks on the Markdown before pandoc sees it (size, nesting depth);
  pandoc needs minutes for a few thousand nested list levels.
- pandoc runs with a time limit (`timeout()`) and a heap limit (`PANDOC_HEAP`, GHC's +RTS -M).
- WeasyPrint runs in a forked child (`run_limited`) with an address-space limit and is killed
  when it exceeds the time limit.

`LAFAST_RENDER_TIMEOUT` (seconds) overrides the time limit, e.g. for very large documents.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import re
import resource
import select
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lafast_docs.errors import RenderError, TooComplex

MAX_SOURCE = 2 * 1024 * 1024  # bytes of Markdown; a 100-page standard has about 300 KB
MAX_NESTING = 30  # list and quote levels
DEFAULT_TIMEOUT = 120.0
PANDOC_HEAP = "1500m"
CHILD_MEMORY = 3 * 1024**3  # address space added for WeasyPrint's child process
_MARKERS = re.compile(r"(?:[-*+]|\d{1,9}[.)]|>)(?:[ \t]+|$)")


def timeout() -> float:
    try:
        return float(os.environ.get("LAFAST_RENDER_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


def check_source(text: str, path: Path | None = None, *, first_line: int = 1) -> None:
    """Refuse drafts that no office document needs and that would make pandoc hang."""
    size = len(text.encode("utf-8"))
    if size > MAX_SOURCE:
        raise TooComplex(
            f"Der Entwurf ist zu groß ({size / 1e6:.1f} MB Text, erlaubt sind "
            f"{MAX_SOURCE / 1e6:.0f} MB).",
            path=path,
            hint="Teilen Sie ihn in mehrere Dokumente auf; große Tabellen gehören in eine "
            "Anlage (z. B. eine Excel-Datei).",
        )
    for number, line in enumerate(text.splitlines(), start=first_line):
        stripped = line.lstrip(" \t")
        if not stripped or not _MARKERS.match(stripped):
            continue
        indent = len(line) - len(stripped)
        markers = 0
        pos = 0
        while m := _MARKERS.match(stripped, pos):
            markers += 1
            pos = m.end()
        depth = indent // 2 + markers
        if depth > MAX_NESTING:
            raise TooComplex(
                f"Listen oder Zitate sind zu tief verschachtelt (Ebene {depth}, erlaubt sind "
                f"{MAX_NESTING}).",
                path=path,
                line=number,
                hint="Gliedern Sie den Text flacher, z. B. mit Zwischenüberschriften.",
            )


def run_limited(fn: Callable[[], Any], *, what: str, limit: float | None = None) -> Any:
    """Run `fn` in a forked child with a time and memory limit; returns its (picklable) result.

    An exception in the child comes back as RenderError with its message."""
    limit = timeout() if limit is None else limit
    read_fd, pid = fork_to_pipe(lambda: _limited(fn))
    chunks: list[bytes] = []
    deadline = time.monotonic() + limit
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise RenderError(
                    f"{what} hat nach {limit:.0f} Sekunden nicht fertig gerechnet und wurde "
                    "abgebrochen.",
                    hint="Das Dokument ist vermutlich zu groß oder zu verschachtelt; teilen Sie "
                    "es auf oder vereinfachen Sie große Tabellen.",
                )
            ready, _, _ = select.select([read_fd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    if not chunks:
        raise RenderError(
            f"{what} ist abgestürzt (zu wenig Arbeitsspeicher oder ein Programmfehler).",
            hint="Vereinfachen Sie das Dokument (große Tabellen, viele Bilder) und versuchen "
            "Sie es erneut.",
        )
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "memory":
        raise RenderError(
            f"{what} brauchte mehr Arbeitsspeicher als erlaubt und wurde abgebrochen.",
            hint="Das Dokument ist zu groß; teilen Sie es auf oder vereinfachen Sie große "
            "Tabellen.",
        )
    if kind == "error":
        raise RenderError(f"{what} konnte die Datei nicht erzeugen: {value}")
    return value


def fork_to_pipe(child: Callable[[], bytes]) -> tuple[int, int]:
    """Fork; the child writes what `child()` returns into a pipe and exits (never returns).
    Gives (the pipe's reading end, the child's pid); the caller reads to the end and waits."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            os.close(read_fd)
            payload = child()
            with os.fdopen(write_fd, "wb") as fh:
                fh.write(payload)
        except BaseException:
            code = 1
        os._exit(code)
    os.close(write_fd)
    return read_fd, pid


def read_all(fd: int) -> bytes:
    """Everything a forked child writes into the pipe `fd`, up to its end."""
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _limited(fn: Callable[[], Any]) -> bytes:  # pragma: no cover - runs in the child
    try:
        faulthandler.disable()  # a C library failing under the limit: no dump, just exit
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = _address_space() + CHILD_MEMORY
        if hard == resource.RLIM_INFINITY or want < hard:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
        return pickle.dumps(("ok", fn()))
    except MemoryError:
        return pickle.dumps(("memory", ""))
    except BaseException as exc:  # everything goes back to the parent as text
        return pickle.dumps(("error", f"{type(exc).__name__}: {exc}"[:2000]))


def _address_space() -> int:
    """Current virtual memory size of this process (the child starts as a copy of it)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 2 * 1024**3
