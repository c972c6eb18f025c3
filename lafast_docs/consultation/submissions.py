"""Stored submissions: `comments/<slug>/<round>/<org>-<n>.yaml`, read for lists and status."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.errors import SubmissionBroken
from lafast_docs.storage import yamlio
from lafast_docs.workspace import Workspace

NOT_SUBMISSIONS = {"runde.yaml", "abwaegung.yaml"}  # the other files of a round folder


@dataclass
class Stored:
    path: Path
    data: dict[str, Any]

    @property
    def org(self) -> str:
        return str(self.data["org"])

    @property
    def received(self) -> str:
        return str(self.data["received"])

    @property
    def comments(self) -> list[dict[str, Any]]:
        return list(self.data.get("comments") or [])


def load_submission(path: Path) -> Stored | None:
    """One stored submission, or None if the file is not one (or is gone)."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    data = yamlio.load(text, path=path, error=SubmissionBroken, fast=True)
    if isinstance(data, dict) and data.get("format") == "lafast-submission/1":
        return Stored(path, data)
    return None


def list_submissions(round_folder: Path) -> list[Stored]:
    if not round_folder.is_dir():
        return []
    paths = sorted(p for p in round_folder.glob("*.yaml") if p.name not in NOT_SUBMISSIONS)
    return [s for s in map(load_submission, paths) if s is not None]


def iter_comments(
    ws: Workspace, slug: str | None = None
) -> Iterator[tuple[Stored, dict[str, Any]]]:
    """Every stored comment of one document (or all), oldest round first."""
    base = ws.comments_dir
    docs = [base / slug] if slug else sorted(p for p in base.glob("*") if p.is_dir())
    for doc in docs:
        rounds = sorted(
            (p for p in doc.glob("runde-*") if p.is_dir()),
            key=lambda p: int(p.name.split("-")[1]) if p.name.split("-")[1].isdigit() else 0,
        )
        for rnd in rounds:
            for sub in list_submissions(rnd):
                for c in sub.comments:
                    yield sub, c
