"""The per-round index of comment ids: used, rebuilt when missing or stale, never trusted."""

from __future__ import annotations

import json
import os

import pytest

from lafast_docs.consultation.idindex import find_comment, round_index
from lafast_docs.consultation.views import list_comments
from lafast_docs.decisions.disposition import decide
from lafast_docs.errors import CommentNotFound

from .conftest import SAMPLE_FS, entry


def _cache(ws):
    return ws.root / ".git" / "lafast" / "kennungen" / SAMPLE_FS / "runde-1.json"


@pytest.fixture
def two_orgs(fs_ws):
    ws = fs_ws
    a = ws.submit("awo-sachsen", entry(100, "mindestens drei Monaten", "sechs Monaten"))
    b = ws.submit(
        "caritas-dresden",
        entry(12, "nach der Verteilung", "nach Zuweisung")
        + '  - rn: 12\n    art: redaktionell\n    anmerkung: "Komma fehlt."\n',
    )
    return ws, a, b


def test_index_is_kept_in_git_private_folder_and_used(two_orgs) -> None:
    ws, a, b = two_orgs
    sub, c = find_comment(ws, b[1].lower())
    assert c["id"] == b[1] and sub.org == "caritas-dresden"
    data = json.loads(_cache(ws).read_text("utf-8"))
    assert sorted(row[0] for row in data["ids"]) == sorted(a + b)
    assert "kennungen" not in ws.store._git("status", "--porcelain", "--ignored")
    before = _cache(ws).stat().st_mtime_ns
    decide(ws, a[0], "angenommen")  # the round's abwaegung.yaml does not make the index stale
    assert find_comment(ws, a[0])[1]["id"] == a[0]
    assert _cache(ws).stat().st_mtime_ns == before
    rows = list_comments(ws, SAMPLE_FS, rn=12)
    assert [r["id"] for r in rows] == b
    assert [r["id"] for r in list_comments(ws, SAMPLE_FS, rn=12, kind="redaktionell")] == b[1:]
    assert [r["id"] for r in list_comments(ws, SAMPLE_FS)] == a + b


def test_stale_or_broken_index_gives_no_wrong_answer(two_orgs) -> None:
    ws, a, b = two_orgs
    folder = ws.comments_dir / SAMPLE_FS / "runde-1"
    round_index(folder)
    cache = _cache(ws)
    data = json.loads(cache.read_text("utf-8"))
    # a lying index with a valid stamp: ids swapped between files, one id missing
    files = {row[1] for row in data["ids"]}
    data["ids"] = [[row[0], (files - {row[1]}).pop(), *row[2:]] for row in data["ids"][1:]]
    cache.write_text(json.dumps(data), "utf-8")
    for cid in a + b:
        assert find_comment(ws, cid)[1]["id"] == cid
    with pytest.raises(CommentNotFound):
        find_comment(ws, "AWO-MF-999")
    # a submission changed by hand (git checkout, a merge): the stamp differs, rebuilt
    path = folder / "caritas-dresden-1.yaml"
    text = path.read_text("utf-8").replace("rn: 12", "rn: 13")
    path.write_text(text, "utf-8")
    os.utime(path, ns=(1, 1))
    assert [r["id"] for r in list_comments(ws, SAMPLE_FS, rn=13)] == b
    assert list_comments(ws, SAMPLE_FS, rn=12) == []
    # garbage and a missing index are rebuilt
    cache.write_text("{nicht json", "utf-8")
    assert find_comment(ws, a[0])[1]["id"] == a[0]
    cache.unlink()
    assert [r["id"] for r in list_comments(ws, SAMPLE_FS)] == a + b
    assert cache.is_file()


def test_disposition_checked_once_but_a_changed_file_again(two_orgs) -> None:
    from lafast_docs.decisions.disposition import load
    from lafast_docs.errors import DispositionFileError

    ws, a, b = two_orgs
    decide(ws, a[0], "angenommen")
    decide(ws, b[0], "abgelehnt", reason="Nein.")
    folder = ws.comments_dir / SAMPLE_FS / "runde-1"
    checked = ws.root / ".git" / "lafast" / "abwaegung" / SAMPLE_FS / "runde-1.json"
    assert checked.is_file() and [d.decision for d in load(folder)[b[0]]] == ["abgelehnt"]
    path = folder / "abwaegung.yaml"
    path.write_text(path.read_text("utf-8").replace("abgelehnt", "vielleicht"), "utf-8")
    with pytest.raises(DispositionFileError):
        load(folder)
    with pytest.raises(DispositionFileError):
        decide(ws, b[1], "kenntnis", reason="x")
    assert "vielleicht" in path.read_text("utf-8")  # nothing written over it
