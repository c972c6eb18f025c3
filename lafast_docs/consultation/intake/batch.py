"""What one import run writes: the stored answers, kept originals and quarantine notes of a
batch of files, written together and taken into git by one commit.

One commit per file made a bulk import wait on git and the disk for every answer (two git
processes, ten fsyncs); a batch costs one journal update, one flush and one commit. The crash
safety stays the store's: the journal records every file of the batch before the first is
replaced and the commit before git runs, so a killed import leaves either the whole batch
committed (the next command finishes a recorded commit) or nothing of it (the next command
rolls the files back, and a rerun imports them again, once).

The commit message lists every answer it takes (organisation, stored file, the sender's file
name), so the history stays readable for staff. A batch is flushed at safe points only (between
files, between the mails of a mailbox), never between an answer and the mail that brought it:
a mail counts as imported once its answers are stored, so its original must be in the same
commit. It is flushed early when it holds `MAX_FILES` answers or `MAX_BYTES` of files, so that
memory stays bounded and no commit grows beyond a readable size.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from lafast_docs.errors import LafastError
from lafast_docs.storage.files import atomic_write, atomic_write_many
from lafast_docs.workspace import Workspace

MAX_FILES = 500  # answers (and refusals) per commit
MAX_BYTES = 64_000_000  # file contents held in memory before they are written


class Batch:
    """Files to write and the lines of the commit message that takes them."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.files: dict[Path, str | bytes] = {}
        self.lines: list[str] = []
        self.answers = 0
        self.comments = 0
        self.refused = 0
        self.size = 0

    def add(
        self,
        files: dict[Path, str | bytes],
        line: str,
        *,
        comments: int | None = None,
        refused: bool = False,
    ) -> None:
        """Files of one item (an answer with `comments`, a refusal, a kept mail), and the line
        that says so in the commit message."""
        for path, data in files.items():
            old = self.files.get(path)
            self.size += len(data) - (len(old) if old is not None else 0)
            self.files[path] = data
        self.lines.append(line)
        if comments is not None:
            self.answers += 1
            self.comments += comments
        self.refused += refused

    def text(self, path: Path) -> str:
        """A file as this batch will leave it: the pending text, or the file on disk."""
        pending = self.files.get(path)
        if pending is None:
            return path.read_text("utf-8")
        return pending if isinstance(pending, str) else pending.decode("utf-8")

    def full(self) -> bool:
        return self.answers + self.refused >= MAX_FILES or self.size >= MAX_BYTES

    def maybe_flush(self) -> None:
        """At a safe point: write and commit when the batch is full."""
        if self.full():
            self.flush()

    def message(self) -> str:
        if len(self.lines) == 1:
            return self.lines[0]
        parts = [f"{self.answers} Rückmeldung(en) mit {self.comments} Anmerkung(en) eingelesen"]
        if self.refused:
            parts.append(f"{self.refused} abgelehnt (Quarantäne)")
        return "; ".join(parts) + "\n\n" + "\n".join(f"- {line}" for line in self.lines)

    def _undo(self, before: dict[Path, bytes]) -> None:
        for path in self.files:
            if path in before:
                atomic_write(path, before[path])
            else:
                path.unlink(missing_ok=True)
        with contextlib.suppress(LafastError):  # git itself may be what failed
            self.ws.store.unstage(list(self.files))

    def flush(self) -> None:
        """Write every pending file and commit them all; nothing happens when none is pending."""
        if not self.files:
            self.lines.clear()
            return
        store = self.ws.store
        head = store.resolve("HEAD")
        before = {p: p.read_bytes() for p in self.files if p.is_file()}
        try:
            atomic_write_many(self.files)
            store.commit(list(self.files), self.message(), want_sha=False)
        except BaseException:
            # git refused or Ctrl-C: nothing of the batch stays half-stored (a kill is the
            # journal's business: it never gets here)
            if store.resolve("HEAD") == head:
                self._undo(before)
            raise
        self.files.clear()
        self.lines.clear()
        self.answers = self.comments = self.refused = self.size = 0
