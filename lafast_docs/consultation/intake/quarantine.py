"""What became of an imported file (`ImportResult`); refused files, kept for inspection in the
round's quarantine folder with the reason; the sender's file name made safe to show."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs.consultation.intake import safety
from lafast_docs.consultation.intake.batch import Batch
from lafast_docs.consultation.intake.runindex import target_round
from lafast_docs.errors import LafastError, Rejected
from lafast_docs.storage.files import atomic_write
from lafast_docs.workspace import Workspace


@dataclass
class ImportResult:
    name: str
    status: str  # "importiert", "bereits importiert", "abgelehnt", "fehler"
    message: str = ""
    path: Path | None = None
    ids: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("importiert", "bereits importiert")


def safe_label(name: str) -> str:
    """The sender's file name, for display only (never used as a path)."""
    cleaned = "".join(ch for ch in name if ch.isprintable() and ch not in "\u202e\u202d\u200f")
    return cleaned[:120]


def quarantine(
    ws: Workspace,
    data: bytes,
    name: str,
    exc: Rejected,
    *,
    batch: Batch,
    round_id: str | None = None,
    document: str | None = None,
    **_ignored: Any,
) -> ImportResult:
    """Keep a refused file for inspection in the round's quarantine (or the workspace's).

    The note (name, SHA-256, size, reason) is committed; the file itself too when it is small.
    A large one (over `safety.MAX_KEPT_IN_GIT`) stays on this machine only, in the repository's
    private folder under its hash, so refused files cannot grow the history without bound.
    The note (and the small file) join `batch`, committed with the rest of the import."""
    try:
        folder = target_round(ws, "", "", round_id=round_id, document=document).folder
    except LafastError:
        folder = ws.comments_dir
    sha = hashlib.sha256(data).hexdigest()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    qdir = folder / "quarantaene"
    note = qdir / f"{stamp}-{sha[:12]}.txt"
    earlier = _noted(qdir, sha, batch) if data else None
    if earlier is not None:  # the same file again (e.g. a rerun after a kill): noted once
        return ImportResult(
            name,
            "abgelehnt",
            exc.message,
            earlier,
            notes=[exc.hint or "", f"Schon in Quarantäne ({earlier.name}); nichts geändert."],
        )
    outside = len(data) > safety.MAX_KEPT_IN_GIT
    kept: Path | None = None
    where = ""
    files: dict[Path, str | bytes] = {}
    if outside:  # never committed: written at once (the private folder is not journaled)
        kept = ws.store.git_dir() / "lafast" / "quarantaene" / f"{sha}.bin"
        where = f"Aufbewahrt (nur auf diesem Rechner, nicht im Verlauf): {kept}\n"
        atomic_write(kept, data)
    elif data:
        kept = qdir / f"{stamp}-{sha[:12]}.bin"
        files[kept] = data
    files[note] = (
        f"Datei: {safe_label(name)}\nSHA-256: {sha}\nGröße: {len(data)} Bytes\n{where}"
        f"Grund: {exc.message}\nWas tun: {exc.hint or '-'}\n"
    )
    batch.add(
        files, f"Rückmeldung abgelehnt und in Quarantäne: {safe_label(name)[:60]}", refused=True
    )
    return ImportResult(name, "abgelehnt", exc.message, kept or note, notes=[exc.hint or ""])


def _noted(qdir: Path, sha: str, batch: Batch) -> Path | None:
    """The quarantine note of a file with this SHA-256 made before (or in this batch)."""
    suffix = f"-{sha[:12]}.txt"
    pending = [p for p in batch.files if p.parent == qdir and p.name.endswith(suffix)]
    found = pending or sorted(qdir.glob(f"*{suffix}"))
    return next((p for p in found if f"SHA-256: {sha}\n" in batch.text(p)), None)
