"""Stored submissions: `comments/<slug>/<round>/<org>-<n>.yaml`, read for lists and status."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.errors import CommentNotFound, SubmissionBroken
from lafast_docs.storage import yamlio
from lafast_docs.workspace import Workspace


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


def list_submissions(round_folder: Path) -> list[Stored]:
    if not round_folder.is_dir():
        return []
    result = []
    for path in sorted(round_folder.glob("*.yaml")):
        if path.name == "runde.yaml":
            continue
        data = yamlio.load(path.read_text("utf-8"), path=path, error=SubmissionBroken, fast=True)
        if isinstance(data, dict) and data.get("format") == "lafast-submission/1":
            result.append(Stored(path, data))
    return result


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


def find_comment(ws: Workspace, comment_id: str) -> tuple[Stored, dict[str, Any]]:
    wanted = comment_id.strip().upper()
    for sub, c in iter_comments(ws):
        if c["id"] == wanted:
            return sub, c
    raise CommentNotFound(
        f"Eine Anmerkung „{comment_id}“ gibt es nicht.",
        hint="„lafast comments list KURZNAME“ zeigt alle Kennungen.",
    )
