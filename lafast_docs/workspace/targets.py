"""Where a command may write what it produces (`--out`, `-o`, `--site`): never into a `.git`
folder, never over the files the workspace keeps in git (lafast.yaml, drafts/, comments/, …).

The one check every command with an output option uses (`output_target`). Links are resolved
first, so a symlink pointing into `.git` or `drafts/` is refused like the folder itself."""

from __future__ import annotations

from pathlib import Path

from lafast_docs.errors import TargetNotAllowed
from lafast_docs.workspace.workspace import Workspace

HINT = (
    "Wählen Sie einen eigenen Ordner, z. B. build/ im Arbeitsbereich oder einen Ordner "
    "außerhalb des Arbeitsbereichs."
)


def output_target(ws: Workspace, path: Path, *, option: str) -> Path:
    """`path` resolved (links followed) if lafast may write there; else `TargetNotAllowed`."""
    target = path.expanduser().resolve()
    git_dir = ws.store.git_dir()
    if any(part.lower() == ".git" for part in target.parts) or target.is_relative_to(git_dir):
        raise TargetNotAllowed(
            f"{option} {path}: Der Ordner liegt in .git, dem internen Speicher der "
            "Versionsverwaltung. Dorthin schreibt lafast nichts.",
            hint=HINT,
        )
    root = ws.root.resolve()
    if target == root:
        raise TargetNotAllowed(
            f"{option} {path}: Das ist der Arbeitsbereich selbst; die Dateien würden "
            "zwischen lafast.yaml, Entwürfen und Rückmeldungen landen.",
            hint=HINT,
        )
    if target.is_relative_to(root):
        top = root / target.relative_to(root).parts[0]
        if ws.store.is_tracked(top):
            raise TargetNotAllowed(
                f"{option} {path}: „{top.name}“ gehört zu den Dateien, die der Arbeitsbereich "
                "verwaltet (wie lafast.yaml, drafts/ und comments/); lafast überschreibt sie "
                "nicht mit erzeugten Dateien.",
                hint=HINT,
            )
    return target
