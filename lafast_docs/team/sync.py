"""`lafast sync`: share the workspace with colleagues through the git remote in lafast.yaml.

fetch -> rebase the local commits onto the remote -> push. Comment imports are separate files;
decisions of one round share `abwaegung.yaml`, whose histories are joined automatically when two
people decided at the same time (nothing is lost, both decisions stay in the history). When two
people changed the same draft text, the rebase is aborted – no half-rebased state is left – and
the user gets a German explanation of what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs.decisions.disposition import FORMAT
from lafast_docs.errors import LafastError, Problem, SyncConflict, SyncError
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write
from lafast_docs.workspace import Workspace

PUSH_TRIES = 3
TRACKING = "refs/remotes/lafast/"


@dataclass
class SyncResult:
    remote: str
    pulled: int = 0
    pushed: int = 0
    joined: list[str] = field(default_factory=list)  # abwaegung.yaml files joined automatically


def _remote(ws: Workspace) -> str:
    url = ws.config.remote.strip()
    if not url:
        raise SyncError(
            "In lafast.yaml ist kein gemeinsames Archiv („remote“) eingetragen.",
            hint="Tragen Sie die Adresse ein, z. B. remote: "
            '"https://git.example.org/fachstelle/texte.git", und speichern Sie lafast.yaml '
            "mit „git commit“.",
        )
    if url.startswith("-") or "::" in url.split("/")[0]:
        raise SyncError(f"„{url}“ ist keine zulässige Adresse für das gemeinsame Archiv.")
    if "://" not in url and not url.startswith("/") and ":" not in url:
        url = str((ws.root / url).resolve())  # a relative folder next to the workspace
    return url


def behind_remote(ws: Workspace) -> bool | None:
    """True when the remote has commits this clone lacks; None when unknown (no remote, offline)."""
    if not ws.config.remote.strip():
        return None
    store = ws.store
    try:
        url = _remote(ws)
        sha = store.remote_head(url, store.current_branch(), timeout=10)
    except LafastError:
        return None
    return sha is not None and not store.contains(sha)


def sync(ws: Workspace) -> SyncResult:
    """Fetch, rebase the local commits onto the remote, push. Runs under the workspace lock."""
    url = _remote(ws)
    store = ws.store
    store.rebase_abort()  # a sync killed in the middle of a rebase: back to the local state
    dirty = store.tracked_changes()
    if dirty:
        raise SyncError(
            "Es gibt Änderungen, die noch nicht gespeichert sind: " + ", ".join(dirty[:5]),
            hint="Speichern Sie sie zuerst („lafast save KURZNAME -m …“) oder verwerfen Sie sie; "
            "dann „lafast sync“ erneut.",
        )
    branch = store.current_branch()
    result = SyncResult(url)
    for _ in range(PUSH_TRIES):
        remote_sha = store.fetch(url, branch)
        if remote_sha is not None:
            ahead, behind = store.ahead_behind(TRACKING + branch)
            if behind and ahead:
                result.joined += _rebase(ws, TRACKING + branch)
            elif behind:
                store.fast_forward(TRACKING + branch)
            result.pulled = max(result.pulled, behind)
        ahead = store.ahead_behind(TRACKING + branch)[0] if remote_sha else store.count()
        if not ahead:
            return result
        if store.push(url, branch):
            result.pushed = ahead
            return result
    raise SyncError(
        "Das gemeinsame Archiv ändert sich gerade laufend; Übertragen ist nicht gelungen.",
        hint="Versuchen Sie „lafast sync“ in einer Minute noch einmal. Es ist nichts verloren.",
    )


def _rebase(ws: Workspace, onto: str) -> list[str]:
    """Rebase; join concurrent decisions; abort with an explanation on any other conflict."""
    store = ws.store
    joined: list[str] = []
    local = store.head()
    try:
        conflicts = store.rebase(onto)
        while conflicts:
            others = [c for c in conflicts if Path(c).name != "abwaegung.yaml"]
            if others:
                raise _explain(ws, local, onto, others)
            for path in conflicts:
                _join_decisions(ws, path)
                joined.append(path)
            conflicts = store.rebase(onto, resume=True)
    except BaseException:
        store.rebase_abort()  # never leave a half-rebased workspace behind
        raise
    return joined


def _join_decisions(ws: Workspace, path: str) -> None:
    """Both sides decided on comments of the same round: keep every decision of both."""
    sides = [ws.store.conflict_side(path, stage) for stage in (2, 3)]
    datas = [
        yamlio.load(s, path=Path(path), error=SyncError, fast=True) if s else {} for s in sides
    ]
    base = next((d for d in datas if isinstance(d, dict) and d), {})
    merged: dict[str, list[dict[str, Any]]] = {}
    for data in datas:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SyncError(f"{path} hat auf einer Seite ein unbekanntes Format.")
        for cid, entries in (data.get("decisions") or {}).items():
            have = merged.setdefault(str(cid), [])
            for e in entries or []:
                if dict(e) not in have:
                    have.append(dict(e))
    out = {
        "format": FORMAT,
        "document": base.get("document", ""),
        "round": base.get("round", ""),
        "decisions": {
            cid: sorted(entries, key=lambda e: str(e.get("at", "")))
            for cid, entries in sorted(merged.items())
        },
    }
    atomic_write(
        ws.root / path,
        "# Abwägung – von lafast geschrieben; ändern mit „lafast decide“ oder "
        "„lafast disposition import“.\n" + yamlio.dump(out, fast=True),
    )
    ws.store.stage(path)


def _explain(ws: Workspace, local: str, onto: str, paths: list[str]) -> SyncConflict:
    store = ws.store
    lines = []
    for path in paths[:5]:
        theirs = store.commits_on_path(local, onto, path)
        who = ", ".join(sorted({c.author for c in theirs})) or "jemand anderes"
        lines.append(f"{path}: auch geändert von {who}")
    draft = next((p for p in paths if p.startswith("drafts/")), paths[0])
    remote = onto.removeprefix("refs/remotes/")
    return SyncConflict(
        "Sie und eine Kollegin oder ein Kollege haben dieselbe Textstelle geändert; lafast kann "
        "das nicht selbst zusammenführen. Bei Ihnen ist nichts verändert worden, Ihre "
        "gespeicherten Fassungen sind vollständig erhalten, übertragen wurde nichts.",
        problems=[Problem(line) for line in lines],
        hint=(
            "Sprechen Sie sich ab, wessen Fassung gilt. Dann, im Arbeitsbereich:\n"
            f"  1. Die andere Fassung ansehen:  git diff HEAD {remote} -- {draft}\n"
            f"  2. Zusammenführen:  git merge {remote}  – git markiert in {draft} die strittigen "
            "Stellen mit <<<<<<<, ======= und >>>>>>>.\n"
            "  3. Dort eine gemeinsame Fassung herstellen und die Markierungen löschen, dann:  "
            f"git add {draft} && git commit --no-edit\n"
            "  4. Erneut:  lafast sync\n"
            "Abbrechen geht jederzeit mit  git merge --abort  – auch dann geht nichts verloren."
        ),
    )
