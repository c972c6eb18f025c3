"""`lafast demo [DIR]`: a workspace made from the shipped samples, rendered in every format.

The folder gets a marker file; running the demo again replaces only a folder that carries it,
never anything else.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lafast_docs import resources
from lafast_docs.config import CONFIG_NAME, Workspace, load_config
from lafast_docs.errors import LafastError
from lafast_docs.render import Output, render
from lafast_docs.store import Store, atomic_write
from lafast_docs.workspace import init_workspace

MARKER = ".lafast-demo"


@dataclass
class DemoResult:
    workspace: Workspace
    outputs: dict[str, list[Output]] = field(default_factory=dict)


def prepare_folder(target: Path) -> None:
    if target.exists():
        if not target.is_dir():
            raise LafastError(f"{target} ist eine Datei, kein Ordner.")
        if (target / MARKER).is_file():
            shutil.rmtree(target)
        elif any(target.iterdir()):
            raise LafastError(
                f"Der Ordner {target} ist nicht leer und stammt nicht aus einer früheren Demo.",
                hint="Geben Sie einen neuen oder leeren Ordner an: lafast demo ORDNER",
            )


def run_demo(target: Path, *, progress: Callable[[str], None] = lambda _m: None) -> DemoResult:
    target = target.resolve()
    prepare_folder(target)
    progress(f"Lege den Demo-Arbeitsbereich an: {target}")
    target.mkdir(parents=True, exist_ok=True)
    _ensure_identity(Store.init(target))
    ws = init_workspace(target)
    store = ws.store
    atomic_write(target / MARKER, "Von „lafast demo“ angelegt; wird beim nächsten Lauf ersetzt.\n")
    shutil.copyfile(resources.data_dir() / "demo" / CONFIG_NAME, target / CONFIG_NAME)
    ws.config = load_config(target / CONFIG_NAME)
    samples = resources.sample_drafts()
    slugs = sorted(p.parent.name for p in samples.glob("*/document.md"))
    for slug in slugs:
        shutil.copytree(samples / slug, ws.drafts_dir / slug)
    store.commit(
        [target / CONFIG_NAME, target / MARKER, ws.drafts_dir],
        "Demo: Adressbuch und Beispielentwürfe übernommen",
    )
    result = DemoResult(ws)
    for slug in slugs:
        progress(f"Erzeuge PDF, DOCX und HTML für „{slug}“ …")
        result.outputs[slug] = render(ws, slug)
    return result


def _ensure_identity(store: Store) -> None:
    """A demo must run on a fresh machine without a git identity: set one for this repo only."""
    repo = store.repo
    reader = repo.config_reader()
    if not reader.has_option("user", "name") or not reader.has_option("user", "email"):
        with repo.config_writer() as w:
            w.set_value("user", "name", "lafast Demo")
            w.set_value("user", "email", "demo@lafast.invalid")
