"""Recovery after a killed command: finish or roll back what its journal (journal.py) says.

Called under the workspace lock (`lock.state_change`) before the next state-changing command
starts.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from lafast_docs.storage import journal
from lafast_docs.storage.git import Store
from lafast_docs.storage.journal import covering

MAX_NAMED = 8  # files named one by one in the notes


def recover(root: Path, store: Store) -> list[str]:
    """Finish or roll back what a killed command left behind. Returns German notes."""
    root = root.resolve()
    data = journal.pending(root)
    if data is None:
        return []
    sdir = journal.state_dir(root)
    notes = [
        f"Der Befehl „lafast {data.get('command', '?')}“ (Prozess {data.get('pid', '?')}) "
        "wurde unterbrochen; lafast räumt auf:"
    ]
    store.clear_stale_git_locks()
    commit = data.get("commit")
    writes = list(data.get("writes") or [])
    if data.get("command") == "sync":
        # A sync killed during its rebase: git's own abort restores branch and files; the
        # journaled writes were made inside the rebase and must not be replayed over it.
        if store.rebase_in_progress():
            store.rebase_abort()
            notes.append("  halb fertiger Abgleich mit dem gemeinsamen Archiv zurückgesetzt")
        if store.merge_in_progress():  # killed while it set up a merge for the user
            store.merge_abort()
            (sdir / "abgleich.json").unlink(missing_ok=True)
            notes.append("  halb fertiges Zusammenführen zurückgesetzt")
        commit, writes = None, []
    if commit:
        sha = store.commit([root / p for p in commit["paths"]], commit["message"])
        if sha:
            notes.append(f"  abgeschlossen: {commit['message']}")
        covered = covering(commit["paths"])
        writes = [w for w in writes if not covered(w["path"])]
    restored: list[str] = []
    removed: list[str] = []
    for entry in reversed(writes):
        target = root / entry["path"]
        if entry.get("undo"):
            keep = sdir / "undo" / entry["undo"]
            if keep.exists():
                os.replace(keep, target)
                restored.append(f"  wiederhergestellt: {entry['path']}")
        elif entry.get("new") and target.exists():
            target.unlink()
            removed.append(f"  halb fertig, entfernt: {entry['path']}")
        for tmp in target.parent.glob(f".{target.name}.*tmp"):
            tmp.unlink(missing_ok=True)
    undone = restored + removed  # files that were there before first
    if len(undone) > MAX_NAMED:  # a killed batch of hundreds of files: named in short
        undone[MAX_NAMED - 1 :] = [f"  … und {len(undone) - MAX_NAMED + 1} weitere Dateien"]
    notes += undone
    if len(notes) == 1:
        notes.append("  nichts war halb fertig.")
    (sdir / "journal.json").unlink(missing_ok=True)
    shutil.rmtree(sdir / "undo", ignore_errors=True)
    return notes
