"""`lafast sync`: share the workspace with colleagues through the git remote in lafast.yaml.

fetch -> rebase the local commits onto the remote -> push. Comment imports are separate files;
decisions and consensus records are joined structurally when two people changed them at the
same time (joins.py: nothing is lost, a real contradiction is reported). When two people changed
the same text, the rebase is undone and the colleague's work is merged without committing;
conflict.py keeps both wordings of each overlapping passage for the user to choose with lafast
commands. The branch shared is the one the remote's HEAD names (what `git clone` checks out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lafast_docs.errors import LafastError, SyncConflict, SyncError
from lafast_docs.team import conflict
from lafast_docs.team.joins import join, joinable
from lafast_docs.workspace import Workspace

PUSH_TRIES = 3
TRACKING = "refs/remotes/lafast/"


@dataclass
class SyncResult:
    remote: str
    pulled: int = 0
    pushed: int = 0
    joined: list[str] = field(default_factory=list)  # lafast files joined automatically
    contradictions: list[str] = field(default_factory=list)  # two decisions on one comment
    finished: bool = False  # a merge left open by an earlier sync was just shared


def remote_url(ws: Workspace) -> str:
    url = ws.config.remote.strip()
    if not url:
        raise SyncError(
            "In lafast.yaml ist kein gemeinsames Archiv („remote“) eingetragen.",
            hint="Tragen Sie die Adresse ein, z. B. remote: "
            '"https://git.example.org/fachstelle/texte.git", und speichern Sie lafast.yaml '
            "mit „lafast config save -m …“.",
        )
    if url.startswith("-") or "::" in url.split("/")[0]:
        raise SyncError(f"„{url}“ ist keine zulässige Adresse für das gemeinsame Archiv.")
    if url.startswith("~"):
        url = str(Path(url).expanduser())
    if "://" not in url and not url.startswith("/") and ":" not in url:
        url = str((ws.root / url).resolve())  # a relative folder next to the workspace
    return url


def behind_remote(ws: Workspace) -> bool | None:
    """True when the remote has commits this clone lacks; None when unknown (no remote, offline)."""
    if not ws.config.remote.strip():
        return None
    store = ws.store
    try:
        head, branches = store.remote_refs(remote_url(ws), timeout=10)
    except LafastError:
        return None
    sha = branches.get(head) or branches.get(store.current_branch())
    return sha is not None and not store.contains(sha)


def sync(ws: Workspace) -> SyncResult:
    """Fetch, bring in the colleagues' work, push. Runs under the workspace lock."""
    url = remote_url(ws)
    store = ws.store
    store.rebase_abort()  # a sync killed in the middle of a rebase: back to the local state
    if conflict.pending(ws) is not None:
        raise SyncConflict(
            "Der letzte Abgleich ist noch nicht abgeschlossen: zwei Fassungen derselben "
            "Textstelle warten auf Ihre Entscheidung.",
            hint=conflict.steps(conflict.pending(ws) or {}),
        )
    dirty = store.tracked_changes()
    if dirty:
        raise SyncError(
            "Es gibt Änderungen, die noch nicht gespeichert sind: " + ", ".join(dirty[:5]),
            hint="Speichern Sie sie zuerst („lafast save KURZNAME -m …“) oder verwerfen Sie sie; "
            "dann „lafast sync“ erneut.",
        )
    branch = store.remote_branch(url)
    tracking = TRACKING + branch
    result = SyncResult(url)
    for _ in range(PUSH_TRIES):
        remote_sha = store.fetch(url, branch)
        if remote_sha is not None:
            ahead, behind = store.ahead_behind(tracking)
            if behind and ahead:
                _bring_in(ws, tracking, result)
            elif behind:
                store.fast_forward(tracking)
            result.pulled = max(result.pulled, behind)
        ahead = store.ahead_behind(tracking)[0] if remote_sha else store.count()
        if not ahead:
            return result
        if store.push(url, branch):
            result.pushed = ahead
            store.repair_remote_head(url, branch)
            return result
    raise SyncError(
        "Das gemeinsame Archiv ändert sich gerade laufend; Übertragen ist nicht gelungen.",
        hint="Versuchen Sie „lafast sync“ in einer Minute noch einmal. Es ist nichts verloren.",
    )


def _bring_in(ws: Workspace, onto: str, result: SyncResult) -> None:
    """Rebase; join lafast's own files; on a text conflict undo the rebase and open a merge.
    A history that already holds a merge (a resolved conflict) is merged, never rebased: a
    rebase would drop the resolution."""
    store = ws.store
    local = store.head()
    if not store.has_merges(onto):
        try:
            conflicts = store.rebase(onto)
            while conflicts:
                if not all(joinable(p) for p in conflicts):
                    break
                for path in conflicts:
                    result.contradictions += [c.describe() for c in join(ws, path, local_stage=3)]
                    result.joined.append(path)
                conflicts = store.rebase(onto, resume=True)
            else:
                return
        finally:
            store.rebase_abort()  # never leave a half-rebased workspace behind
    result.joined.clear()
    result.contradictions.clear()
    who = ", ".join(sorted({c.author for c in store.commits_on_path(local, onto, ".")}))
    error = conflict.start(ws, onto, who or "jemand anderes")
    if conflict.stellen_of(conflict.pending(ws) or {}):
        raise error
    # Only lafast's own files overlapped: the merge is complete, commit it.
    data = conflict.pending(ws) or {}
    result.contradictions += data.get("contradictions", [])
    store.commit([], f"Abgleich: Fassungen von {who} zusammengeführt")
    conflict.pending(ws)
