"""Several staff, one repository: a real bare remote, two real clones, `lafast sync`; once over
a real git transport (git daemon on 127.0.0.1), not only a folder path."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.consultation.rounds import open_round
from lafast_docs.consultation.submissions import list_submissions
from lafast_docs.decisions.disposition import decide, load
from lafast_docs.office.doctor import ERROR, diagnose
from lafast_docs.workspace import find_workspace

from .conftest import GIT_ENV, REPO, SAMPLE_SN, copy_samples, git
from .intake_files import fill_yaml_form
from .test_cli import run


def set_remote(ws, url: str) -> None:
    cfg = ws.root / "lafast.yaml"
    text = cfg.read_text("utf-8")
    cfg.write_text(text.replace('remote: ""', f'remote: "{url}"'), "utf-8")
    git(ws, "commit", "-qam", "Gemeinsames Archiv eingetragen")
    ws.config = find_workspace(explicit=ws.root).config


def clone(url: str, target: Path):
    subprocess.run(["git", "clone", "-q", url, str(target)], check=True, capture_output=True)
    return find_workspace(explicit=target)


def two_clones(ws, tmp_path: Path, url: str | None = None):
    """Clone A (with an open round) pushes to a new bare remote; clone B is cloned from it."""
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    a = copy_samples(ws, SAMPLE_SN)
    set_remote(a, url or str(bare))
    open_round(
        a,
        SAMPLE_SN,
        deadline=dt.date(2026, 12, 15),
        invite=["awo-sachsen", "diakonie-sachsen"],
        today=dt.date(2026, 11, 21),
    )
    assert run(["-w", str(a.root), "sync"])[0] == 0
    b = clone(url or str(bare), tmp_path / "kollegin")
    # the forms are not in git: the colleague's clone rebuilds them from the frozen version
    assert not (b.root / "comments" / SAMPLE_SN / "runde-1" / "formulare").exists()
    assert run(["-w", str(b.root), "consult", "formulare", SAMPLE_SN])[0] == 0
    return a, b


def form(ws, org: str) -> Path:
    return (
        ws.root
        / "comments"
        / SAMPLE_SN
        / "runde-1"
        / "formulare"
        / org
        / (f"{SAMPLE_SN}-runde-1-{org}.yaml")
    )


def returned(ws, tmp_path: Path, org: str, text: str) -> Path:
    path = tmp_path / f"eingang-{org}.yaml"
    path.write_bytes(fill_yaml_form(form(ws, org), f'  - rn: 1\n    anmerkung: "{text}"\n'))
    return path


def assert_clean(ws) -> None:
    assert git(ws, "status", "--porcelain") == ""
    assert not (ws.root / ".git" / "rebase-merge").exists()
    assert not (ws.root / ".git" / "lafast" / "journal.json").exists()


def test_imports_and_decisions_of_two_clones_never_conflict(ws, tmp_path) -> None:
    a, b = two_clones(ws, tmp_path)
    import_files(a, [returned(a, tmp_path, "awo-sachsen", "Von A eingelesen.")])
    import_files(b, [returned(b, tmp_path, "diakonie-sachsen", "Von B eingelesen.")])
    assert run(["-w", str(a.root), "sync"])[0] == 0
    code, out, err = run(["-w", str(b.root), "sync"])
    assert code == 0, err
    assert out.startswith("Abgeglichen mit ") and "1 Fassung(en) geholt, 1 übertragen" in out
    assert run(["-w", str(a.root), "sync"])[0] == 0
    for w in (a, b):
        subs = list_submissions(w.root / "comments" / SAMPLE_SN / "runde-1")
        assert sorted(s.org for s in subs) == ["awo-sachsen", "diakonie-sachsen"]
        assert_clean(w)
    assert git(a, "rev-parse", "HEAD") == git(b, "rev-parse", "HEAD")
    # Both decide on different comments of the same round (one abwaegung.yaml) at once.
    subs = list_submissions(a.root / "comments" / SAMPLE_SN / "runde-1")
    ids = {s.org: s.comments[0]["id"] for s in subs}
    decide(a, ids["awo-sachsen"], "abgelehnt", reason="Nicht im Auftrag.")
    decide(b, ids["diakonie-sachsen"], "angenommen")
    decide(b, ids["awo-sachsen"], "kenntnis", reason="Von B gesehen.")
    assert run(["-w", str(a.root), "sync"])[0] == 0
    code, out, err = run(["-w", str(b.root), "sync"])
    assert code == 0, err
    assert "Entscheidungen beider Seiten zusammengeführt" in out
    assert run(["-w", str(a.root), "sync"])[0] == 0
    for w in (a, b):
        decisions = load(w.root / "comments" / SAMPLE_SN / "runde-1")
        assert [d.decision for d in decisions[ids["awo-sachsen"]]] == ["abgelehnt", "kenntnis"]
        assert [d.decision for d in decisions[ids["diakonie-sachsen"]]] == ["angenommen"]
        assert_clean(w)


def edit_first_paragraph(ws, text: str) -> None:
    doc = ws.root / "drafts" / SAMPLE_SN / "document.md"
    body = doc.read_text("utf-8")
    head, sep, rest = body.partition("\n---\n")
    paras = rest.split("\n\n")
    i = next(i for i, p in enumerate(paras) if p.strip() and not p.lstrip().startswith("#"))
    paras[i] = text
    doc.write_text(head + sep + "\n\n".join(paras), "utf-8")


def doc_text(ws) -> str:
    return (ws.root / "drafts" / SAMPLE_SN / "document.md").read_text("utf-8")


def same_sentence_conflict(ws, tmp_path):
    """A and B change the same sentence and decide on the same comment, B syncs second."""
    a, b = two_clones(ws, tmp_path)
    import_files(a, [returned(a, tmp_path, "awo-sachsen", "Eine Anmerkung.")])
    assert run(["-w", str(a.root), "sync"])[0] == 0
    assert run(["-w", str(b.root), "sync"])[0] == 0
    cid = list_submissions(b.root / "comments" / SAMPLE_SN / "runde-1")[0].comments[0]["id"]
    edit_first_paragraph(a, "Fassung von A.")
    assert run(["-w", str(a.root), "save", SAMPLE_SN, "-m", "A ändert"])[0] == 0
    decide(a, cid, "abgelehnt", reason="A lehnt ab.")
    assert run(["-w", str(a.root), "sync"])[0] == 0
    edit_first_paragraph(b, "Fassung von B.")
    code, _out, err = run(["-w", str(b.root), "save", SAMPLE_SN, "-m", "B ändert"])
    assert code == 0
    assert "Achtung: Im gemeinsamen Archiv gibt es neuere Änderungen" in err
    decide(b, cid, "angenommen")
    return a, b, cid


def test_same_sentence_resolved_with_lafast_commands_only(ws, tmp_path) -> None:
    a, b, cid = same_sentence_conflict(ws, tmp_path)
    head = git(b, "rev-parse", "HEAD").strip()
    code, out, err = run(["-w", str(b.root), "sync"])
    assert code == 6 and out == ""
    assert err.startswith(
        "Fehler: Sie und eine Kollegin oder ein Kollege haben dieselbe Textstelle geändert."
    )
    assert f"drafts/{SAMPLE_SN}/document.md, Rn. 1: auch geändert von Test Referentin" in err
    assert f"{cid}: Sie haben „angenommen“ entschieden, Test Referentin zugleich „abgelehnt“" in err
    assert "lafast conflict show" in err and "lafast conflict keep 1 --theirs" in err
    assert f"lafast save {SAMPLE_SN}" in err and "lafast sync --abbrechen" in err
    assert "git " not in err  # no raw git anywhere in the advice
    assert "Fassung von B." in doc_text(b)  # own wording stays until the user chooses
    # other commands would finish the merge behind the user's back: refused, nothing written
    code, _out, err = run(["-w", str(b.root), "decide", cid, "--reject", "--reason", "x"])
    assert code == 6 and "noch nicht abgeschlossen" in err and "lafast conflict show" in err
    found = {f.topic: f for f in diagnose(find_workspace(explicit=b.root))}
    assert found["Arbeitsbereich"].status == ERROR
    assert "lafast conflict show" in found["Arbeitsbereich"].fix
    code, out, _err = run(["-w", str(b.root), "conflict", "show"])
    assert code == 0
    assert f"drafts/{SAMPLE_SN}/document.md, Rn. 1 [1] – im Entwurf steht jetzt Ihre Fassung" in out
    assert (
        "  Ihre Fassung:\n    Fassung von B.\n  Fassung von Test Referentin:\n    Fassung von A."
        in out
    )
    code, out, _err = run(["-w", str(b.root), "conflict", "keep", "1", "--theirs"])
    assert (code, out) == (
        0,
        f"drafts/{SAMPLE_SN}/document.md, Rn. 1: die andere Fassung übernommen.\n",
    )
    assert "Fassung von A." in doc_text(b) and "Fassung von B." not in doc_text(b)
    code, out, err = run(["-w", str(b.root), "save", SAMPLE_SN, "-m", "Fassung von A gilt"])
    assert code == 0, err
    code, out, err = run(["-w", str(b.root), "sync"])
    assert code == 0, err
    assert "1 übertragen" in out or "übertragen" in out
    assert run(["-w", str(a.root), "sync"])[0] == 0
    for w in (a, b):
        assert "Fassung von A." in doc_text(w)
        assert [d.decision for d in load(w.root / "comments" / SAMPLE_SN / "runde-1")[cid]] == [
            "abgelehnt",
            "angenommen",
        ] or [d.decision for d in load(w.root / "comments" / SAMPLE_SN / "runde-1")[cid]] == [
            "angenommen",
            "abgelehnt",
        ]
        assert_clean(w)
    assert git(a, "rev-parse", "HEAD") == git(b, "rev-parse", "HEAD")
    # B's own wording is not lost: it is in the history, under B's commit
    assert head in git(b, "rev-list", "HEAD")
    assert "Fassung von B." in git(b, "show", f"{head}:drafts/{SAMPLE_SN}/document.md")


def test_conflict_edited_by_hand_and_aborted(ws, tmp_path) -> None:
    a, b, _cid = same_sentence_conflict(ws, tmp_path)
    head = git(b, "rev-parse", "HEAD").strip()
    assert run(["-w", str(b.root), "sync"])[0] == 6
    code, _out, err = run(["-w", str(b.root), "sync"])  # again: still open, explained
    assert code == 6 and "noch nicht abgeschlossen" in err
    edit_first_paragraph(b, "Gemeinsame Fassung von A und B.")
    code, _out, err = run(["-w", str(b.root), "conflict", "keep", "--mine"])
    assert code == 6 and "im Editor bearbeitet; lafast überschreibt das nicht" in err
    assert "Gemeinsame Fassung von A und B." in doc_text(b)
    code, out, _err = run(["-w", str(b.root), "sync", "--abbrechen"])
    aside = b.root / ".git" / "lafast" / "abgebrochen" / "drafts" / SAMPLE_SN / "document.md"
    assert out == (
        "Abgleich zurückgenommen: Ihr Arbeitsbereich ist wie vor dem Abgleich.\n"
        f"  Ihre Bearbeitung während des Abgleichs ist aufbewahrt: {aside}\n"
    )
    assert code == 0 and "Gemeinsame Fassung von A und B." in aside.read_text("utf-8")
    assert git(b, "rev-parse", "HEAD").strip() == head
    assert "Fassung von B." in doc_text(b)
    assert_clean(b)
    assert not (b.root / ".git" / "MERGE_HEAD").exists()
    # again, this time resolved by editing and saving
    assert run(["-w", str(b.root), "sync"])[0] == 6
    edit_first_paragraph(b, "Gemeinsame Fassung von A und B.")
    assert run(["-w", str(b.root), "save", SAMPLE_SN, "-m", "Gemeinsame Fassung"])[0] == 0
    assert run(["-w", str(b.root), "sync"])[0] == 0
    assert run(["-w", str(a.root), "sync"])[0] == 0
    assert "Gemeinsame Fassung von A und B." in doc_text(a)
    assert_clean(a)


def test_sync_without_remote_or_with_unsaved_changes(ws, tmp_path) -> None:
    code, _out, err = run(["-w", str(ws.root), "sync"])
    assert code == 6
    assert err.startswith("Fehler: In lafast.yaml ist kein gemeinsames Archiv („remote“)")
    a, _b = two_clones(ws, tmp_path)
    edit_first_paragraph(a, "Ungespeichert.")
    code, _out, err = run(["-w", str(a.root), "sync"])
    assert code == 6 and "noch nicht gespeichert" in err and "lafast save" in err


def test_sync_over_git_daemon(ws, tmp_path, git_daemon) -> None:
    a, b = two_clones(ws, tmp_path, git_daemon)
    assert shutil.which("git")
    import_files(b, [returned(b, tmp_path, "diakonie-sachsen", "Über git://")])
    code, out, err = run(["-w", str(b.root), "sync"])
    assert (code, err) == (0, "")
    assert out == f"Abgeglichen mit {git_daemon}: 0 Fassung(en) geholt, 1 übertragen.\n"
    code, _out, err = run(["-w", str(a.root), "org", "list"])  # read-only: no remote check
    assert "Achtung" not in err
    code, out, _err = run(["-w", str(a.root), "sync"])
    assert out == f"Abgeglichen mit {git_daemon}: 1 Fassung(en) geholt, 0 übertragen.\n"
    subs = list_submissions(a.root / "comments" / SAMPLE_SN / "runde-1")
    assert [s.org for s in subs] == ["diakonie-sachsen"]
    # the round's tag (the consulted version) travels too
    assert git(b, "tag", "-l") == git(a, "tag", "-l") != ""
    assert run(["-w", str(a.root), "sync"])[1].startswith("Alles aktuell")
    assert_clean(a)


def test_sync_killed_in_the_middle_of_its_rebase(ws, tmp_path) -> None:
    """Killed while joining decisions: the next command puts the clone back, sync then works."""
    a, b = two_clones(ws, tmp_path)
    import_files(a, [returned(a, tmp_path, "awo-sachsen", "Eine Anmerkung.")])
    assert run(["-w", str(a.root), "sync"])[0] == 0
    assert run(["-w", str(b.root), "sync"])[0] == 0
    cid = list_submissions(b.root / "comments" / SAMPLE_SN / "runde-1")[0].comments[0]["id"]
    decide(a, cid, "abgelehnt", reason="A lehnt ab.")
    assert run(["-w", str(a.root), "sync"])[0] == 0
    decide(b, cid, "kenntnis", reason="B nimmt zur Kenntnis.")
    head = git(b, "rev-parse", "HEAD")
    killed = subprocess.run(
        [sys.executable, "-m", "lafast_docs", "-w", str(b.root), "sync"],
        env={**os.environ, **GIT_ENV, "PYTHONPATH": str(REPO), "LAFAST_CRASH_AT": "write-replaced"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert killed.returncode == -9
    assert (b.root / ".git" / "rebase-merge").exists()  # the half-rebased state it left
    code, _out, err = run(
        ["-w", str(b.root), "org", "add", "neu", "--name", "Neu", "--type", "traeger"]
    )
    assert code == 0, err
    assert "halb fertiger Abgleich mit dem gemeinsamen Archiv zurückgesetzt" in err
    assert git(b, "rev-parse", "HEAD~1") == head  # back on the branch, plus the org commit
    assert run(["-w", str(b.root), "sync"])[0] == 0
    decisions = load(b.root / "comments" / SAMPLE_SN / "runde-1")[cid]
    assert [d.decision for d in decisions] == ["abgelehnt", "kenntnis"]
    assert_clean(b)


def test_sync_killed_while_it_opens_the_merge(ws, tmp_path) -> None:
    """Killed while joining decisions for the text conflict: the next command undoes the
    half-opened merge, the clone is as before, and sync opens it again."""
    _a, b, _cid = same_sentence_conflict(ws, tmp_path)
    head = git(b, "rev-parse", "HEAD")
    killed = subprocess.run(
        [sys.executable, "-m", "lafast_docs", "-w", str(b.root), "sync"],
        env={
            **os.environ,
            **GIT_ENV,
            "PYTHONPATH": str(REPO),
            "LAFAST_CRASH_AT": "write-replaced:2",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert killed.returncode == -9
    assert (b.root / ".git" / "MERGE_HEAD").exists()
    code, _out, err = run(["-w", str(b.root), "conflict", "keep", "--mine"])
    assert code == 6 and "halb fertiges Zusammenführen zurückgesetzt" in err
    assert git(b, "rev-parse", "HEAD") == head
    assert_clean(b)
    assert "Fassung von B." in doc_text(b)
    assert run(["-w", str(b.root), "sync"])[0] == 6
    assert run(["-w", str(b.root), "conflict", "keep", "--mine"])[0] == 0


def test_resolved_merge_is_merged_again_never_rebased(ws, tmp_path) -> None:
    """The remote moves on between `lafast save` of the resolution and `lafast sync`: the
    resolution is kept (merged, not rebased away)."""
    a, b, _cid = same_sentence_conflict(ws, tmp_path)
    assert run(["-w", str(b.root), "sync"])[0] == 6
    assert run(["-w", str(b.root), "conflict", "keep", "--theirs"])[0] == 0
    assert run(["-w", str(b.root), "save", SAMPLE_SN, "-m", "A gilt"])[0] == 0
    add = ["org", "add", "neu", "--name", "Neuer Träger", "--type", "traeger"]
    assert run(["-w", str(a.root), *add])[0] == 0
    assert run(["-w", str(a.root), "sync"])[0] == 0
    code, out, err = run(["-w", str(b.root), "sync"])
    assert code == 0, err
    assert out.endswith("1 Fassung(en) geholt, 4 übertragen.\n")
    assert run(["-w", str(a.root), "sync"])[0] == 0
    for w in (a, b):
        assert "Fassung von A." in doc_text(w) and "Fassung von B." not in doc_text(w)
        assert "Neuer Träger" in (w.root / "lafast.yaml").read_text("utf-8")
        assert_clean(w)
