"""Intake in batches (issue 19): the answers of one `comments import` are stored together and
taken into git by one commit whose message names every answer; a kill at any moment leaves
the whole batch or nothing, and the next run ends where an uninterrupted one ends.

The crash half runs real `lafast` processes killed with SIGKILL (LAFAST_CRASH_AT) at points
taken from the trace of an uninterrupted run: in the middle of writing the batch's files,
with the commit recorded, with git's index updated, and with the commit made."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from lafast_docs.cli.main import cli
from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.consultation.rounds import open_round
from lafast_docs.consultation.submissions import list_submissions
from lafast_docs.workspace import Workspace, find_workspace
from lafast_docs.workspace.addressbook import add_org
from lafast_docs.workspace.create import init_workspace

from .conftest import GIT_ENV, SAMPLE_SN, copy_samples, write_draft_body
from .intake_files import yaml_answer
from .test_crash import commits, files, git_status, lafast, same

ORGS = [f"traeger-{i}" for i in range(1, 7)]
QUOTES = ["Unterbringung", "Verordnung", "Nicht-da-Zitat xyz"]


def answer(rnd, org: str, n: int) -> str:  # type: ignore[no-untyped-def]
    entries = [(2 + i, QUOTES[i % len(QUOTES)], f"Anmerkung {i} von {org}") for i in range(n)]
    return yaml_answer(rnd.slug, rnd.id, org, entries)


@pytest.fixture(scope="module")
def batch_ws(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """A pristine workspace with an open round, six answers and one refused file."""
    mp = pytest.MonkeyPatch()
    for key, value in GIT_ENV.items():
        mp.setenv(key, value)
    try:
        base = tmp_path_factory.mktemp("batch")
        ws = copy_samples(init_workspace(base / "ws"), SAMPLE_SN)
        for org in ORGS:
            add_org(ws, org, name=f"Träger {org[-1]}", type="traeger")
        rnd = open_round(
            ws,
            SAMPLE_SN,
            deadline=dt.date(2026, 12, 15),
            invite=ORGS[:2],
            today=dt.date(2026, 11, 21),
        )
        inbox = base / "eingang"
        inbox.mkdir()
        paths = []
        for k, org in enumerate(ORGS):
            p = inbox / f"antwort-{org}.yaml"
            p.write_text(answer(rnd, org, 2 + k % 3), "utf-8")
            paths.append(p)
        bad = inbox / "kaputt.xlsx"
        bad.write_bytes(b"PK\x03\x04 nicht wirklich")
        paths.insert(3, bad)
    finally:
        mp.undo()
    return ws.root, paths


def log_message(root: Path) -> str:
    return subprocess.check_output(["git", "-C", str(root), "log", "-1", "--format=%B"], text=True)


def test_one_commit_per_batch_names_every_answer(batch_ws, tmp_path) -> None:
    pristine, paths = batch_ws
    root = tmp_path / "ws"
    shutil.copytree(pristine, root)
    ws = find_workspace(explicit=root)
    before = commits(root)
    results = import_files(ws, paths)
    assert [r.status for r in results].count("importiert") == 6
    assert [r.status for r in results].count("abgelehnt") == 1
    assert commits(root) == before + 1
    message = log_message(root)
    head, _, body = message.partition("\n\n")
    n_comments = sum(len(r.ids) for r in results)
    assert head == (
        f"6 Rückmeldung(en) mit {n_comments} Anmerkung(en) eingelesen; 1 abgelehnt (Quarantäne)"
    )
    lines = body.strip().splitlines()
    assert len(lines) == 7
    for org, r in zip(ORGS, [r for r in results if r.status == "importiert"], strict=True):
        assert r.path is not None
        line = (
            f"- Rückmeldung von Träger {org[-1]} zu {SAMPLE_SN} (runde-1) eingelesen: "
            f"{len(r.ids)} Anmerkung(en) – {r.path.name} aus „antwort-{org}.yaml“"
        )
        assert line in lines
    assert "- Rückmeldung abgelehnt und in Quarantäne: kaputt.xlsx" in lines
    assert git_status(root) == ""
    assert not (root / ".git" / "lafast" / "journal.json").exists()
    # every answer is listed where staff look, each once
    runner = CliRunner()
    out = runner.invoke(cli, ["-w", str(root), "consult", "status", SAMPLE_SN, "--json"])
    assert out.exit_code == 0, out.output
    counts = {e["org"]: e["rueckmeldungen"] for e in json.loads(out.output)["eingeladene"]}
    assert counts == dict.fromkeys(ORGS, 1)
    out = runner.invoke(cli, ["-w", str(root), "comments", "list", SAMPLE_SN, "--json"])
    ids = [row["id"] for row in json.loads(out.output)]
    assert sorted(ids) == sorted(i for r in results for i in r.ids) and len(set(ids)) == len(ids)
    # the same batch again: nothing stored twice, no commit
    again = import_files(find_workspace(explicit=root), paths[:3])
    assert {r.status for r in again} == {"bereits importiert"}
    assert commits(root) == before + 1


def test_single_answer_keeps_a_one_line_message(batch_ws, tmp_path) -> None:
    pristine, paths = batch_ws
    root = tmp_path / "ws"
    shutil.copytree(pristine, root)
    [res] = import_files(find_workspace(explicit=root), paths[:1])
    assert log_message(root).strip() == (
        f"Rückmeldung von Träger 1 zu {SAMPLE_SN} (runde-1) eingelesen: {len(res.ids)} "
        "Anmerkung(en) – traeger-1-1.yaml aus „antwort-traeger-1.yaml“"
    )


def test_batches_are_bounded(batch_ws, tmp_path, monkeypatch) -> None:
    """A batch is committed early when full: here every two answers."""
    from lafast_docs.consultation.intake import batch

    pristine, paths = batch_ws
    root = tmp_path / "ws"
    shutil.copytree(pristine, root)
    monkeypatch.setattr(batch, "MAX_FILES", 2)
    before = commits(root)
    results = import_files(find_workspace(explicit=root), paths)
    assert sum(r.ok for r in results) == 6
    assert commits(root) == before + 4  # 7 files, two per commit
    assert git_status(root) == ""


def stored(root: Path) -> list[tuple[str, int]]:
    """(organisation, comments) of every stored answer, sorted."""
    ws: Workspace = find_workspace(explicit=root)
    folder = ws.comments_dir / SAMPLE_SN / "runde-1"
    return sorted((s.org, len(s.comments)) for s in list_submissions(folder))


def test_kill_in_the_middle_of_a_batch_then_rerun(batch_ws, tmp_path) -> None:
    pristine, paths = batch_ws
    args = ["comments", "import", *map(str, paths)]
    reference = tmp_path / "ref"
    shutil.copytree(pristine, reference)
    trace = tmp_path / "trace.txt"
    done = lafast(reference, *args, LAFAST_CRASH_TRACE=str(trace))
    assert done.returncode == 1, done.stderr  # the refused file
    passed = trace.read_text().split()
    writes = [p for p in passed if p.startswith("write-replaced:")]
    assert len(writes) == 14  # 6 answers, 6 originals, the refused file and its note
    points = [writes[len(writes) // 2], "commit-recorded:1", "commit-added:1", "commit-done:1"]
    assert set(points) <= set(passed)
    old, new = split(files(pristine)), split(files(reference))
    want = stored(reference)
    assert len(want) == 6 and len(new[1]) == 2
    for point in points:
        work = tmp_path / point.replace(":", "-")
        shutil.copytree(pristine, work)
        killed = lafast(work, *args, LAFAST_CRASH_AT=point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        now, noted = split(files(work))
        assert set(noted) <= set(new[1]), point  # a quarantine note is the whole one or none
        for path in set(now) | set(old[0]) | set(new[0]):
            got = now.get(path)
            assert same(path, got, old[0].get(path)) or same(path, got, new[0].get(path)), (
                point,
                path,
            )
        rerun = lafast(work, *args)
        assert rerun.returncode == 1, (point, rerun.stderr)
        assert "wurde unterbrochen; lafast räumt auf:" in rerun.stderr, point
        assert stored(work) == want, point  # every answer once, none twice, none lost
        final, noted = split(files(work))
        assert noted == new[1], point  # the refused file kept and noted once
        assert sorted(final) == sorted(new[0]), point
        assert all(same(p, final[p], new[0][p]) for p in final), point
        assert commits(work) == commits(reference), point
        assert git_status(work) == "", point
        assert not (work / ".git" / "lafast" / "journal.json").exists(), point
        shutil.rmtree(work)


def split(found: dict[str, bytes]) -> tuple[dict[str, bytes], list[bytes]]:
    """Files apart from the quarantine, and the quarantine notes' texts (their names carry
    the time of the refusal)."""
    notes = sorted(data for path, data in found.items() if "/quarantaene/" in path)
    rest = {p: d for p, d in found.items() if "/quarantaene/" not in p and not p.endswith(".tmp")}
    return rest, notes


def test_many_files_one_journal_update_rolled_back_or_finished(ws) -> None:
    """`atomic_write_many` under a journal: one undo record for all files; a command killed
    before its commit leaves the old files after recovery, one killed after recording the
    commit leaves the whole batch committed."""
    from lafast_docs.storage import journal
    from lafast_docs.storage.files import atomic_write, atomic_write_many
    from lafast_docs.storage.recovery import recover

    old = ws.root / "comments" / "alt.yaml"
    atomic_write(old, "alt\n")
    ws.store.commit([old], "alt")
    new = [ws.root / "comments" / f"neu-{i:02d}.yaml" for i in range(12)]
    before = commits(ws.root)

    jour = journal.start(ws.root, "comments import")
    atomic_write_many({old: "geändert\n", **{p: f"{p.name}\n" for p in new}})
    assert [w.get("new", False) for w in jour.data["writes"]] == [False] + [True] * 12
    journal._active = None  # killed here: no commit, the journal stays behind
    notes = recover(ws.root, ws.store)
    assert notes[1:3] == [
        "  wiederhergestellt: comments/alt.yaml",
        "  halb fertig, entfernt: comments/neu-11.yaml",
    ]
    assert notes[-1] == "  … und 6 weitere Dateien" and len(notes) == 9  # said in short
    assert old.read_text("utf-8") == "alt\n" and not any(p.exists() for p in new)
    assert commits(ws.root) == before and git_status(ws.root) == ""

    jour = journal.start(ws.root, "comments import")
    atomic_write_many({old: "geändert\n", **{p: f"{p.name}\n" for p in new}})
    jour.begin_commit([p.relative_to(ws.root).as_posix() for p in [old, *new]], "Stapel")
    journal._active = None  # killed after the commit was recorded, before git ran
    notes = recover(ws.root, ws.store)
    assert "  abgeschlossen: Stapel" in notes
    assert old.read_text("utf-8") == "geändert\n" and all(p.exists() for p in new)
    assert commits(ws.root) == before + 1 and git_status(ws.root) == ""
    assert not (ws.root / ".git" / "lafast" / "journal.json").exists()


def test_git_refusing_the_commit_leaves_nothing_half_stored(batch_ws, tmp_path) -> None:
    """git cannot take the batch (another git holds its index): the files written for it are
    removed again, nothing is staged, and the import can simply be repeated."""
    from lafast_docs.errors import GitError

    pristine, paths = batch_ws
    root = tmp_path / "ws"
    shutil.copytree(pristine, root)
    before, head = files(root), commits(root)
    lock = root / ".git" / "index.lock"
    lock.write_text("")
    with pytest.raises(GitError, match="Speichern in git ist fehlgeschlagen"):
        import_files(find_workspace(explicit=root), paths)
    lock.unlink()
    assert files(root) == before and commits(root) == head and git_status(root) == ""
    results = import_files(find_workspace(explicit=root), paths)
    assert sum(r.status == "importiert" for r in results) == 6
    assert commits(root) == head + 1 and git_status(root) == ""


@pytest.mark.parametrize("slug", ["ohne-verweise", SAMPLE_SN])
def test_consulted_blocks_are_the_text_models(ws, slug) -> None:
    """The consulted version's blocks as imports anchor against them equal the text model's
    own; a draft without references to the register is read once and kept per content
    (`.git/lafast/bloecke/`, no pandoc on the next import)."""
    from lafast_docs.consultation.intake.runindex import RunIndex
    from lafast_docs.text.history import draft_at, model_of

    if slug == SAMPLE_SN:
        copy_samples(ws, slug)
    else:
        write_draft_body(
            ws, slug, "# Ziel\n\nSozialarbeiter*innen und Erzieher*innen beraten.\n\n- eins\n"
        )
        ws.store.commit([ws.drafts_dir], "Entwurf")
    commit = ws.store.resolve("HEAD")
    cache = ws.store.git_dir() / "lafast" / "bloecke"
    first = RunIndex(ws).consulted_blocks(slug, commit)
    assert first == model_of(draft_at(ws, slug, commit)).blocks and len(first) >= 2
    assert len(list(cache.glob("*.json"))) == (slug != SAMPLE_SN)
    assert RunIndex(ws).consulted_blocks(slug, commit) == first


def test_stored_answers_read_through_the_round_cache(batch_ws, tmp_path) -> None:
    """What an import reads of a round's stored answers comes from a cache keyed by each
    file's text: equal to the files, and a file changed by hand is read anew."""
    from lafast_docs.consultation.idindex import round_cache, stored_submissions

    pristine, paths = batch_ws
    root = tmp_path / "ws"
    shutil.copytree(pristine, root)
    ws = find_workspace(explicit=root)
    import_files(ws, paths)
    folder = ws.comments_dir / SAMPLE_SN / "runde-1"
    plain = list_submissions(folder)
    assert stored_submissions(folder) == plain  # read, cache written
    cache = round_cache(folder, "einreichungen", ".json")
    assert cache.is_file()
    assert stored_submissions(folder) == plain  # from the cache
    edited = plain[0].path
    edited.write_text(edited.read_text("utf-8").replace("Anmerkung 0 von", "Geändert von"))
    fresh = stored_submissions(folder)
    assert fresh == list_submissions(folder) and fresh != plain
    assert fresh[0].comments[0]["text"].startswith("Geändert von")
    cache.write_text("{kaputt", "utf-8")  # a damaged cache is rebuilt, never trusted
    assert stored_submissions(folder) == fresh
    # the next import into the round sees every stored answer: nothing twice
    again = import_files(find_workspace(explicit=root), paths[4:])
    assert {r.status for r in again} == {"bereits importiert"}
