"""The workspace: a folder with `lafast.yaml` that is a git repository, and how to find it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lafast_docs.errors import WorkspaceNotFound
from lafast_docs.storage.git import Store
from lafast_docs.workspace.config import CONFIG_NAME, Config, load_config


@dataclass
class Workspace:
    root: Path
    config: Config

    @property
    def drafts_dir(self) -> Path:
        return self.root / "drafts"

    @property
    def comments_dir(self) -> Path:
        return self.root / "comments"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def store(self) -> Store:
        return Store(self.root)


def find_workspace(start: Path | None = None, *, explicit: Path | None = None) -> Workspace:
    """Find the workspace like git does: from `start` (cwd) upwards, or exactly `explicit`."""
    if explicit is not None:
        root = explicit.resolve()
        if not (root / CONFIG_NAME).is_file():
            raise WorkspaceNotFound(
                f"{root} ist kein lafast-Arbeitsbereich (dort fehlt {CONFIG_NAME}).",
                hint="Geben Sie bei --workspace den Ordner an, in dem lafast.yaml liegt, "
                "oder legen Sie mit „lafast init ORDNER“ einen neuen an.",
            )
        return Workspace(root, load_config(root / CONFIG_NAME))
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_NAME).is_file():
            return Workspace(candidate, load_config(candidate / CONFIG_NAME))
    raise WorkspaceNotFound(
        f"Hier ({here}) und in keinem übergeordneten Ordner liegt eine {CONFIG_NAME}.",
        hint="Wechseln Sie in Ihren Arbeitsbereich (cd …), geben Sie ihn mit --workspace an, "
        "oder legen Sie mit „lafast init“ einen neuen an.",
    )
