"""`lafast join`: a colleague gets the shared workspace, checked, with what is left to set up;
`lafast config save`: hand edits of lafast.yaml validated and saved.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from lafast_docs.errors import FolderNotUsable, SyncError, WorkspaceNotFound
from lafast_docs.storage.remote import clone
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import CONFIG_NAME, load_config


@dataclass
class Joined:
    workspace: Workspace
    branch: str
    drafts: int
    todo: list[str] = field(default_factory=list)  # local settings still needed, German


def default_folder(url: str) -> Path:
    name = url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].removesuffix(".git")
    return Path(name or "fachstelle")


def join_workspace(url: str, target: Path | None = None) -> Joined:
    """Clone the shared remote into `target`, check it is a valid lafast workspace, and list
    the local settings this colleague still needs. Nothing is left behind when it is not."""
    url = url.strip()
    if not url or url.startswith("-") or "::" in url.split("/")[0]:
        raise SyncError(f"„{url}“ ist keine zulässige Adresse für das gemeinsame Archiv.")
    if url.startswith("~"):
        url = str(Path(url).expanduser())
    if "://" not in url and ":" not in url:  # a folder: relative to where the user is
        url = str(Path(url).resolve())
    target = (target or default_folder(url)).expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FolderNotUsable(
            f"{target} gibt es schon und ist nicht leer.",
            hint="Geben Sie einen neuen Ordner an, z. B. „lafast join ADRESSE ~/fachstelle-team“.",
        )
    made = not target.exists()
    top = target  # the outermost folder this call creates: removed again on failure
    while not top.parent.exists():
        top = top.parent
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        store = clone(url, target)
        if not store.head():
            raise SyncError(
                f"Das gemeinsame Archiv {url} ist noch leer.",
                hint="Wer den Arbeitsbereich schon hat, trägt die Adresse in lafast.yaml unter "
                "remote: ein, speichert mit „lafast config save -m …“ und überträgt mit "
                "„lafast sync“; danach „lafast join“ erneut.",
            )
        if not (target / CONFIG_NAME).is_file():
            raise WorkspaceNotFound(
                f"{url} enthält keinen lafast-Arbeitsbereich (dort fehlt {CONFIG_NAME}).",
                hint="Prüfen Sie die Adresse mit der Kollegin oder dem Kollegen, die den "
                "Arbeitsbereich eingerichtet hat.",
            )
    except BaseException:
        if made:
            shutil.rmtree(top, ignore_errors=True)
        elif target.exists():
            for child in target.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise
    ws = Workspace(target, load_config(target / CONFIG_NAME))  # ConfigError: clone kept
    drafts = len([p for p in (target / "drafts").glob("*/document.md")])
    return Joined(ws, ws.store.current_branch(), drafts, local_needs(ws, url))


def local_needs(ws: Workspace, url: str = "") -> list[str]:
    """What this machine still needs before the colleague can work (German, one per line)."""
    store, cfg = ws.store, ws.config
    todo = []
    name = os.environ.get("GIT_AUTHOR_NAME") or store.config_value("user.name")
    email = os.environ.get("GIT_AUTHOR_EMAIL") or store.config_value("user.email")
    if not name or not email:
        todo.append(
            'Ihr Name für Änderungen fehlt: git config --global user.name "Vorname Nachname" '
            'und git config --global user.email "name@example.org"'
        )
    if not cfg.remote.strip():
        todo.append(
            f'In lafast.yaml ist kein remote eingetragen: remote: "{url}" eintragen und mit '
            "„lafast config save -m …“ speichern"
        )
    me = next((p for p in cfg.people if email and p.email.lower() == email.lower()), None)
    approving = {r for roles in cfg.approvers.values() for r in roles}
    if me is None:
        if email:
            todo.append(
                f"Ihre E-Mail-Adresse {email} steht in lafast.yaml unter people bei niemandem; "
                "wer freigibt, muss dort stehen"
            )
        return todo
    mine = sorted(set(me.roles) & approving)
    if mine and cfg.signing.git != "none":
        todo.append(
            f"Sie geben als {', '.join(mine)} frei, und Freigaben werden signiert "
            f"({cfg.signing.git}): Schlüssel und Liste der zugelassenen Schlüssel in "
            ".git/lafast-local.yaml eintragen (README „Signierte Freigaben“), dann lafast doctor"
        )
    if mine and cfg.signing.pdf:
        todo.append(
            "Endgültige PDFs werden signiert: Zertifikat (pdf: pkcs12) in .git/lafast-local.yaml "
            "eintragen, wenn Sie endgültige Fassungen erzeugen"
        )
    return todo


def save_config(ws: Workspace, message: str) -> str:
    """Validate lafast.yaml as it is on disk (every problem at once) and commit it. Returns the
    sha, or '' when nothing changed."""
    path = ws.root / CONFIG_NAME
    load_config(path)  # ConfigError with all problems: nothing saved
    text = message.strip() or "Einstellungen (lafast.yaml) geändert"
    return ws.store.commit([path], text)
