"""The block cache behind `blame`: the blocks of every version, cached per file content in
.git/lafast/bloecke/, equal what reading each version alone gives; a damaged cache file is read
again; nothing tracked changes."""

from __future__ import annotations

import subprocess

import pytest

from lafast_docs.decisions.provenance import trace
from lafast_docs.errors import RevisionNotFound
from lafast_docs.text.history import blocks_at, draft_at, model_of, working_blocks
from lafast_docs.workspace import Workspace

from .conftest import SAMPLE_FS, copy_samples


@pytest.fixture
def history(ws: Workspace) -> tuple[Workspace, list[str]]:
    """The sample with four more saved versions (a footnote added, a paragraph changed)."""
    copy_samples(ws, SAMPLE_FS)
    path = ws.drafts_dir / SAMPLE_FS / "document.md"
    for n in range(4):
        text = path.read_text("utf-8")
        at = text.index("\n\n", len(text) // (n + 2)) + 2
        path.write_text(text[:at] + f"Neu {n}.[^1]\n\n[^1]: Fußnote {n}.\n\n" + text[at:], "utf-8")
        ws.store.commit([path], f"Fassung {n}")
    return ws, [c.sha for c in ws.store.log(path)]


def _status(ws: Workspace) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=ws.root, capture_output=True, text=True, check=True
    ).stdout


def test_cached_blocks_equal_each_version_read_alone(history: tuple[Workspace, list[str]]) -> None:
    ws, shas = history
    before = _status(ws)
    expected = [model_of(draft_at(ws, SAMPLE_FS, sha)).blocks for sha in shas]
    assert blocks_at(ws, SAMPLE_FS, shas) == expected
    cache = ws.store.git_dir() / "lafast" / "bloecke"
    files = sorted(cache.glob("*.json"))
    assert len(files) == len(set(shas))
    files[0].write_text("[[kaputt", "utf-8")  # a damaged cache file is read again
    assert blocks_at(ws, SAMPLE_FS, shas) == expected
    assert blocks_at(ws, SAMPLE_FS, shas[:1] * 3) == [expected[0]] * 3
    assert working_blocks(ws, SAMPLE_FS) == expected[0]
    assert _status(ws) == before


def test_blame_is_the_same_from_the_cache(history: tuple[Workspace, list[str]]) -> None:
    ws, _shas = history
    rn = next(b.rn for b in working_blocks(ws, SAMPLE_FS) if b.text.startswith("Neu 0."))
    cold = trace(ws, SAMPLE_FS, rn).as_data()
    assert cold == trace(ws, SAMPLE_FS, rn).as_data()
    assert [e["art"] for e in cold["geschichte"]] == ["eingefuegt"]


def test_a_version_without_the_draft_is_refused(history: tuple[Workspace, list[str]]) -> None:
    ws, shas = history
    first = ws.store.log(ws.root)[-1].sha  # the workspace's first commit: no draft yet
    with pytest.raises(RevisionNotFound, match="gab es in Version"):
        blocks_at(ws, SAMPLE_FS, [shas[0], first])
