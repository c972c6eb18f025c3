"""Crash safety: an undo/redo journal for one state-changing command.

A command killed at any point (power cut, kill -9) must leave every file either old or new and
must not lose or double what it was doing. While a command runs under the workspace lock
(`lock.py`), every `files.atomic_write` first records here what it is about to replace (a hard
link to the old file, or "new file"), and every `Store.commit` records the commit it is about to
make. Both are fsynced before the change happens. When the command ends normally the journal is
deleted; when it was killed, the next state-changing command finds it (`recover`) and

- finishes a commit that was about to be made (the files of a commit are complete on disk
  before the commit is recorded), exactly once: it commits only what is not yet committed;
- rolls back every other write of the killed command, so that a rerun does the work again,
  once (imports recognise files already imported by their checksum).

The journal lives in `.git/lafast/`, invisible to `git status`. This module runs no git (git.py
and files.py write into it); the recovery, which needs a `Store`, is `recovery.py`.

`LAFAST_CRASH_AT=point[:n]` (tests only) kills the process with SIGKILL the n-th time it
passes the named point, so tests can crash real processes at exact places; points are listed in
`POINTS`. `LAFAST_CRASH_TRACE=FILE` appends every point passed to FILE.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

FORMAT = 1
POINTS = (
    "journal-recorded",  # the undo record of a write is on disk, the file not yet replaced
    "write-replaced",  # a file has just been replaced (atomic_write done)
    "commit-recorded",  # the commit about to be made is in the journal
    "commit-added",  # git add has run, git commit not yet
    "commit-done",  # git commit has run, the journal not yet updated
    "command-done",  # the command's work is done, the journal not yet deleted
)

_active: Journal | None = None
_passed: dict[str, int] = {}


def state_dir(root: Path) -> Path:
    """Where lafast keeps its own per-clone state: inside .git, so git never tracks it."""
    git = root / ".git"
    return (git if git.is_dir() else root / ".lafast") / "lafast"


def crash_point(name: str) -> None:
    """Test hook: die here (SIGKILL, no clean-up) when LAFAST_CRASH_AT names this point."""
    trace = os.environ.get("LAFAST_CRASH_TRACE")
    want = os.environ.get("LAFAST_CRASH_AT")
    if not want and not trace:
        return
    _passed[name] = _passed.get(name, 0) + 1
    if trace:
        with open(trace, "a", encoding="utf-8") as fh:
            fh.write(f"{name}:{_passed[name]}\n")
    if want:
        point, _, nth = want.partition(":")
        if point == name and _passed[name] == int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """The journal of the running command."""

    def __init__(self, root: Path, command: str) -> None:
        self.root = root.resolve()
        self.dir = state_dir(self.root)
        self.path = self.dir / "journal.json"
        self.undo = self.dir / "undo"
        self.data: dict[str, Any] = {
            "format": FORMAT,
            "command": command,
            "pid": os.getpid(),
            "writes": [],
            "commit": None,
        }
        self._seen: set[str] = set()

    def _save(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name("journal.json.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self.data, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.dir)

    def _rel(self, path: Path) -> str | None:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None  # outside the workspace (e.g. `render --out /tmp/x`): not ours to undo

    def record_write(self, path: Path) -> None:
        """Before `path` is replaced: keep the old file (hard link) or note that it is new."""
        self.record_writes([path])

    def record_writes(self, paths: list[Path]) -> None:
        """Before `paths` are replaced: the undo record of all of them, written (and fsynced)
        once, so that a batch of many new files costs one journal update, not one per file."""
        kept = False
        added = 0
        for path in paths:
            rel = self._rel(path)
            if rel is None or rel in self._seen or rel.startswith(".git/"):
                continue
            self._seen.add(rel)
            entry: dict[str, Any] = {"path": rel}
            if path.is_file():
                self.undo.mkdir(parents=True, exist_ok=True)
                keep = self.undo / str(len(self.data["writes"]))
                keep.unlink(missing_ok=True)
                try:
                    os.link(path, keep)  # atomic_write replaces, so the old inode stays intact
                except OSError:
                    shutil.copyfile(path, keep)
                kept = True
                entry["undo"] = keep.name
            else:
                entry["new"] = True
            self.data["writes"].append(entry)
            added += 1
        if not added:
            return
        if kept:
            _fsync_dir(self.undo)
        self._save()
        crash_point("journal-recorded")

    def begin_commit(self, rels: list[str], message: str) -> None:
        self.data["commit"] = {"paths": rels, "message": message}
        self._save()
        crash_point("commit-recorded")

    def end_commit(self) -> None:
        """The commit is made: its files are no longer to be rolled back."""
        done = self.data["commit"]["paths"] if self.data["commit"] else []
        covered = covering(done)
        self.data["writes"] = [w for w in self.data["writes"] if not covered(w["path"])]
        self.data["commit"] = None
        self._save()

    def close(self) -> None:
        crash_point("command-done")
        self.path.unlink(missing_ok=True)
        shutil.rmtree(self.undo, ignore_errors=True)


def covering(paths: list[str]) -> Callable[[str], bool]:
    """A test whether a path is one of `paths` or lies below one of them; a set lookup for
    the files of a commit, so that a batch of hundreds costs no more than one per path."""
    exact = set(paths)
    if "." in exact:
        return lambda rel: True
    folders = tuple(p.rstrip("/") + "/" for p in paths)
    return lambda rel: rel in exact or rel.startswith(folders)


def active() -> Journal | None:
    return _active


def start(root: Path, command: str) -> Journal:
    global _active
    _active = Journal(root, command)
    return _active


def finish() -> None:
    global _active
    if _active is not None:
        _active.close()
    _active = None


def pending(root: Path) -> dict[str, Any] | None:
    path = state_dir(root.resolve()) / "journal.json"
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):  # cannot be half-written (os.replace); unreadable: start over
        return {"format": FORMAT, "command": "?", "pid": 0, "writes": [], "commit": None}
