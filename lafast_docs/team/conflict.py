"""A text conflict of `lafast sync`, resolved with lafast commands alone.

When two colleagues changed the same passage, `lafast sync` merges the colleague's work without
committing: everything that does not overlap is taken over, lafast's own files are joined
(joins.py), and each overlapping passage ("Stelle") keeps this clone's wording for now. Both
wordings of every Stelle are kept in `.git/lafast/abgleich.json`, named by Randnummer for a
draft. `lafast conflict show` shows them, `lafast conflict keep RN --mine/--theirs` takes one,
or the user edits the file; `lafast save` finishes the merge (a commit with both histories),
`lafast sync` shares it. `lafast sync --abbrechen` goes back to the state before the sync.
Nothing of either colleague is lost: the colleague's commits stay in the history either way.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from lafast_docs.errors import LafastError, Problem, SyncConflict
from lafast_docs.storage import journal
from lafast_docs.storage.files import atomic_write
from lafast_docs.team.joins import Contradiction, join, joinable
from lafast_docs.text.drafts import parse_draft
from lafast_docs.text.history import model_of
from lafast_docs.workspace import Workspace

STATE = "abgleich.json"
FORMAT = "lafast-abgleich/1"
MINE, THEIRS = "meine", "andere"
# Commands that may run while a merge is open: they finish or undo it.
ALLOWED = ("sync", "save", "conflict keep", "config save")
_PREFIX = re.compile(r"^(\s*(?:[-*+]|\d+[.)]|>|#+|\|)\s+)?")
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


@dataclass(frozen=True)
class Stelle:
    path: str
    key: str  # what the user types: the Randnummer, or "kopf", or "S2"
    label: str  # "Rn. 3", "Überschrift 2 Ziele", "Kopf des Entwurfs", "Stelle 2"
    mine: str
    theirs: str
    choice: str


def _state_path(ws: Workspace) -> Path:
    return journal.state_dir(ws.root) / STATE


def pending(ws: Workspace) -> dict[str, Any] | None:
    """The open merge's record; None (and the record removed) once it is finished or gone."""
    path = _state_path(ws)
    if not ws.store.merge_in_progress():
        path.unlink(missing_ok=True)
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {"format": FORMAT, "files": {}, "who": "", "contradictions": []}
    return data if isinstance(data, dict) else None


def guard(ws: Workspace, command: str) -> None:
    """Refuse other state-changing commands while a merge is open (they would finish it)."""
    if command in ALLOWED or not ws.store.merge_in_progress():
        return
    raise SyncConflict(
        "Der Abgleich mit dem gemeinsamen Archiv ist noch nicht abgeschlossen: zwei Fassungen "
        "derselben Textstelle warten auf Ihre Entscheidung.",
        hint=steps(pending(ws) or {}),
    )


def start(ws: Workspace, onto: str, who: str) -> SyncConflict:
    """Merge `onto` without committing, join what lafast can, keep both wordings of every
    overlapping passage. Returns the error that tells the user what to do next."""
    store = ws.store
    local = store.head()
    conflicts = store.merge_start(onto, f"Abgleich: Fassungen von {who} zusammengeführt")
    files: dict[str, Any] = {}
    notes: list[str] = []
    contradictions: list[Contradiction] = []
    for path in conflicts:
        if joinable(path):
            contradictions += join(ws, path, local_stage=2)
            continue
        base, mine, theirs = (store.conflict_side(path, s) for s in (1, 2, 3))
        if mine is None or theirs is None:  # deleted on one side, changed on the other
            atomic_write(ws.root / path, mine if mine is not None else theirs or "")
            store.stage(path)
            notes.append(
                f"{path}: auf einer Seite gelöscht, auf der anderen geändert – "
                "die geänderte Fassung ist erhalten"
            )
            continue
        parts = store.merge_texts(base or "", mine, theirs)
        hunks = [p for p in parts if isinstance(p, list)]
        entry = {"parts": parts, "choices": [MINE] * len(hunks), "keys": _keys(path, parts)}
        entry["written"] = _write(ws, path, entry)
        files[path] = entry
    data = {
        "format": FORMAT,
        "local": local,
        "theirs": store.resolve(onto),
        "who": who,
        "files": files,
        "notes": notes,
        "contradictions": [c.describe() for c in contradictions],
    }
    atomic_write(_state_path(ws), json.dumps(data, ensure_ascii=False, indent=1))
    stellen = stellen_of(data)
    problems = [f"{s.path}, {s.label}: auch geändert von {who}" for s in stellen[:8]]
    return SyncConflict(
        "Sie und eine Kollegin oder ein Kollege haben dieselbe Textstelle geändert. lafast hat "
        "alles übrige zusammengeführt; an den strittigen Stellen steht vorerst Ihre Fassung, "
        "die andere ist aufbewahrt. Übertragen wurde noch nichts, verloren geht nichts.",
        problems=[Problem(t) for t in (*problems, *notes, *data["contradictions"])],
        hint=steps(data),
    )


def steps(data: dict[str, Any]) -> str:
    stellen = stellen_of(data) if data.get("files") else []
    key = stellen[0].key if stellen else "RN"
    slugs = sorted(
        {PurePosixPath(s.path).parts[1] for s in stellen if s.path.startswith("drafts/")}
    )
    slug = slugs[0] if slugs else "KURZNAME"
    return (
        "So geht es weiter:\n"
        "  1. Beide Fassungen ansehen:  lafast conflict show\n"
        f"  2. Je Stelle eine Fassung wählen:  lafast conflict keep {key} --theirs  (oder --mine)"
        " – oder den Entwurf im Editor zu einer gemeinsamen Fassung bearbeiten\n"
        f'  3. Abschließen:  lafast save {slug} -m "Fassungen zusammengeführt"  und dann  '
        "lafast sync\n"
        "Zurück zum Stand vor dem Abgleich:  lafast sync --abbrechen"
    )


def _content(entry: dict[str, Any]) -> str:
    out, k = [], 0
    for part in entry["parts"]:
        if isinstance(part, str):
            out.append(part)
            continue
        out.append(part[0] if entry["choices"][k] == MINE else part[1])
        k += 1
    return "".join(out)


def _write(ws: Workspace, path: str, entry: dict[str, Any]) -> str:
    text = _content(entry)
    atomic_write(ws.root / path, text)
    ws.store.stage(path)
    return hashlib.sha256(text.encode()).hexdigest()


def _keys(path: str, parts: list[Any]) -> list[list[str]]:
    """[key, label] per Stelle: by Randnummer in a draft, else numbered."""
    n = sum(isinstance(p, list) for p in parts)
    result = [[f"S{k + 1}", f"Stelle {k + 1}"] for k in range(n)]
    if not (path.startswith("drafts/") and path.endswith("/document.md")):
        return result
    plain = "".join(p if isinstance(p, str) else p[0] for p in parts)
    m = _FRONT.match(plain)
    front_end = m.end() if m else 0
    marked, pos, k = [], 0, 0
    for part in parts:
        if isinstance(part, str):
            marked.append(part)
            pos += len(part)
            continue
        if pos < front_end:
            result[k] = ["kopf", "Kopf des Entwurfs (Titel, Version …)"]
            marked.append(part[0])
        else:
            marked.append(_mark(part[0] if part[0].strip() else part[1], k))
        pos += len(part[0])
        k += 1
    try:
        model = model_of(parse_draft("".join(marked), path=Path(path), slug="x"))
    except (LafastError, OSError, ValueError):
        return result
    for k in range(n):
        tag = f"LAFASTSTELLE{k}X"
        block = next((b for b in model.blocks if tag in b.text), None)
        if block is not None:
            result[k] = [str(block.rn), f"Rn. {block.rn}"]
            continue
        head = next((h for h in model.headings if tag in h.text), None)
        if head is not None:
            title = head.text.replace(tag, "").strip()
            result[k] = [f"S{k + 1}", f"Überschrift {head.number} {title}".replace("  ", " ")]
    return result


def _mark(text: str, k: int) -> str:
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip():
            m = _PREFIX.match(line)
            cut = m.end() if m else 0
            lines[i] = line[:cut] + f"LAFASTSTELLE{k}X " + line[cut:]
            break
    return "".join(lines)


def stellen_of(data: dict[str, Any]) -> list[Stelle]:
    result = []
    for path, entry in (data.get("files") or {}).items():
        hunks = [p for p in entry["parts"] if isinstance(p, list)]
        for (key, label), (mine, theirs), choice in zip(
            entry["keys"], hunks, entry["choices"], strict=True
        ):
            result.append(Stelle(path, key, label, mine.strip(), theirs.strip(), choice))
    return result


def keep(ws: Workspace, keys: list[str], side: str) -> list[Stelle]:
    """Take `side` (MINE or THEIRS) at the Stellen named by `keys` (all when empty)."""
    data = pending(ws)
    if data is None or not data.get("files"):
        raise SyncConflict(
            "Es gibt keine strittigen Textstellen.",
            hint="„lafast sync“ gleicht mit dem gemeinsamen Archiv ab.",
        )
    wanted = {k.strip().lower().removeprefix("rn.").strip() for k in keys}
    known = {s.key.lower() for s in stellen_of(data)}
    unknown = sorted(wanted - known)
    if unknown:
        raise SyncConflict(
            f"Diese Stelle(n) gibt es im Konflikt nicht: {', '.join(unknown)}.",
            hint="„lafast conflict show“ zeigt die strittigen Stellen mit ihrer Nummer.",
        )
    changed = []
    for path, entry in data["files"].items():
        current = (ws.root / path).read_bytes() if (ws.root / path).exists() else b""
        if hashlib.sha256(current).hexdigest() != entry["written"]:
            raise SyncConflict(
                f"{path} wurde inzwischen im Editor bearbeitet; lafast überschreibt das nicht.",
                hint="Stellen Sie die Fassung dort fertig und speichern Sie mit „lafast save“ – "
                "oder „lafast sync --abbrechen“ und von vorn.",
            )
        for k, (key, _label) in enumerate(entry["keys"]):
            if not wanted or key.lower() in wanted:
                entry["choices"][k] = side
        entry["written"] = _write(ws, path, entry)
    atomic_write(_state_path(ws), json.dumps(data, ensure_ascii=False, indent=1))
    for s in stellen_of(data):
        if not wanted or s.key.lower() in wanted:
            changed.append(s)
    return changed


def abort(ws: Workspace) -> tuple[bool, list[Path]]:
    """Back to the state before the sync: the merge undone, the record removed. A conflicted
    file already edited by hand is kept aside first (returned), never silently dropped."""
    store = ws.store
    was = store.merge_in_progress() or store.rebase_in_progress()
    data = pending(ws) or {}
    kept = []
    for path, entry in data.get("files", {}).items():
        file = ws.root / path
        if file.exists() and hashlib.sha256(file.read_bytes()).hexdigest() != entry["written"]:
            aside = journal.state_dir(ws.root) / "abgebrochen" / path
            aside.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, aside)
            kept.append(aside)
    store.merge_abort(list(data.get("files", {})))
    store.rebase_abort()
    _state_path(ws).unlink(missing_ok=True)
    return was, kept
