"""Atomic file writes: readers see the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
from pathlib import Path

from lafast_docs.storage import journal


def atomic_write(path: Path, data: str | bytes, *, mode: int | None = None) -> None:
    """Write `data` to `path` so that readers see either the old or the new file, never half.

    The file keeps the mode of the one it replaces, unless `mode` is given. A symlink at `path`
    is replaced, never written through."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    jour = journal.active()
    if jour is not None:
        jour.record_write(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _mode_for(path) if mode is None else mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    journal.crash_point("write-replaced")


def keep_file(path: Path, data: str | bytes) -> bool:
    """Write a cache file (kept results under .git/lafast or the user's cache folder): replaced
    whole through a temp file, but outside the journal and without fsync, since losing it costs
    only the work of making it again. Any OSError (full disk, read-only folder) means nothing
    kept: False."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(raw)
        os.replace(tmp, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False


def atomic_write_many(files: dict[Path, str | bytes]) -> None:
    """Write many files, each atomically as `atomic_write` does, for one commit of them all.

    The journal records all of them in one update before the first is replaced, and one
    `os.sync()` makes them durable before this returns (that is, before the commit that takes
    them is recorded): one journal update and one flush for the batch instead of three
    fsyncs per file. A kill in between leaves each file old or new, and the journal rolls the
    batch back."""
    jour = journal.active()
    if jour is not None:
        jour.record_writes(list(files))
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = data.encode("utf-8") if isinstance(data, str) else data
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            os.chmod(tmp, _mode_for(path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        journal.crash_point("write-replaced")
    if files:
        os.sync()


def _mode_for(path: Path) -> int:
    """Keep an existing file's mode; new files (and a replaced symlink, whose target's mode is
    none of our business) get the usual 0o666 minus the umask."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISLNK(st.st_mode):
        return st.st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
