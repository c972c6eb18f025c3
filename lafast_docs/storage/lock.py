"""One lock per workspace for every state-changing command, and the guard around such a command.

Two `lafast` processes on one workspace (two terminals, a script and a person) must never
interleave their writes and commits. The lock is an `flock` on `.git/lafast/lock`: the kernel
releases it when its process dies, so a killed command never blocks the next one. The file
says who holds it (process, command, start time) for the message to the waiting user; a file
whose process is gone is a stale lock: it is taken over, and the journal of the killed command
is recovered (`recovery.recover`).

A second command waits up to `LAFAST_LOCK_WAIT` seconds (default 120) and then gives up with a
German message naming the command that holds the lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from lafast_docs.errors import WorkspaceBusy
from lafast_docs.storage import journal
from lafast_docs.storage.git import Store
from lafast_docs.storage.recovery import recover

DEFAULT_WAIT = 120.0


def lock_path(root: Path) -> Path:
    return journal.state_dir(root) / "lock"


def holder(root: Path) -> dict[str, object] | None:
    """Who wrote the lock file last (may be a dead process: then the lock is stale)."""
    try:
        return json.loads(lock_path(root).read_text("utf-8") or "null")
    except (OSError, ValueError):
        return None


def _describe(info: dict[str, object] | None) -> str:
    if not info:
        return "ein anderer lafast-Befehl"
    return (
        f"„lafast {info.get('command', '?')}“ (Prozess {info.get('pid', '?')}, "
        f"seit {str(info.get('since', '?'))[11:19]} Uhr)"
    )


@contextlib.contextmanager
def workspace_lock(
    root: Path,
    command: str,
    *,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the workspace lock for the body; wait for another holder up to `wait` seconds."""
    if wait is None:
        wait = float(os.environ.get("LAFAST_LOCK_WAIT", DEFAULT_WAIT))
    path = lock_path(root.resolve())
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    told = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            info = holder(root)
            if time.monotonic() >= deadline:
                raise WorkspaceBusy(
                    f"Der Arbeitsbereich ist gerade durch {_describe(info)} belegt.",
                    hint="Warten Sie, bis dieser Befehl fertig ist, und rufen Sie Ihren Befehl "
                    "dann erneut auf. Es wurde nichts verändert.",
                ) from None
            if not told and on_wait is not None:
                on_wait(f"Warte auf {_describe(info)} …")
                told = True
            time.sleep(0.05)
            continue
        # The file may have been deleted by the previous holder between open and flock:
        # then this lock is on a dead inode; start over on the current file.
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        break
    stale = holder(root)
    if stale and stale.get("pid") != os.getpid() and on_wait is not None:
        # We hold the flock, so its writer is gone without cleaning up: killed or crashed.
        on_wait(f"Verwaiste Sperre von {_describe(stale)} aufgehoben (der Befehl lief nicht mehr).")
    try:
        os.ftruncate(fd, 0)
        os.write(
            fd,
            json.dumps(
                {
                    "pid": os.getpid(),
                    "command": command,
                    "since": dt.datetime.now().isoformat(timespec="seconds"),
                }
            ).encode(),
        )
        yield
    finally:
        path.unlink(missing_ok=True)  # no lock file left behind after a normal end
        os.close(fd)


@contextlib.contextmanager
def state_change(
    root: Path,
    command: str,
    *,
    store: Store,
    say: Callable[[str], None],
    wait: float | None = None,
) -> Iterator[None]:
    """The guard of every state-changing command: lock, recover a killed predecessor, journal.

    A stale lock (its process was killed) shows up here as a left-over journal."""
    with workspace_lock(root, command, wait=wait, on_wait=say):
        for line in recover(root, store):
            say(line)
        journal.start(root, command)
        try:
            yield
        finally:
            journal.finish()
