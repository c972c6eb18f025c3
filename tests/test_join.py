"""Joining a shared workspace and saving lafast.yaml, through the CLI: real bare repositories
(HEAD -> master as `git init --bare` makes them by default), real clones, a real git daemon."""

from __future__ import annotations

import subprocess
from pathlib import Path

from lafast_docs.team.join import join_workspace

from .conftest import SAMPLE_SN, copy_samples, git
from .test_cli import run
from .test_sync import set_remote


def bare_master(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", "-b", "master", str(path)], check=True)
    return path


def plain_clone(url: str, target: Path) -> list[str]:
    subprocess.run(["git", "clone", "-q", url, str(target)], check=True, capture_output=True)
    return sorted(p.name for p in target.iterdir() if p.name != ".git")


def test_bare_remote_with_head_master_gets_what_a_clone_checks_out(ws, tmp_path) -> None:
    bare = bare_master(tmp_path / "remote.git")
    a = copy_samples(ws, SAMPLE_SN)
    set_remote(a, str(bare))
    code, out, err = run(["-w", str(a.root), "sync"])
    assert code == 0, err
    # lafast pushed to the branch the remote's HEAD names: a plain clone is not empty
    assert git(a, "ls-remote", "--symref", str(bare), "HEAD").startswith("ref: refs/heads/master")
    assert "lafast.yaml" in plain_clone(str(bare), tmp_path / "git-clone")
    code, out, err = run(["join", "remote.git", "kollegin"], cwd=tmp_path)  # relative, as typed
    assert code == 0, err
    assert out.startswith(f"Arbeitsbereich geholt: {tmp_path / 'kollegin'} (1 Entwurf/Entwürfe")
    b = tmp_path / "kollegin"
    assert (b / "drafts" / SAMPLE_SN / "document.md").is_file()
    # both keep sharing through that branch
    doc = b / "drafts" / SAMPLE_SN / "document.md"
    doc.write_text(doc.read_text("utf-8") + "\nNeuer Absatz von B.\n", "utf-8")
    assert run(["-w", str(b), "save", SAMPLE_SN, "-m", "B ergänzt"])[0] == 0
    assert run(["-w", str(b), "sync"])[1].endswith("0 Fassung(en) geholt, 1 übertragen.\n")
    assert run(["-w", str(a.root), "sync"])[1].endswith("1 Fassung(en) geholt, 0 übertragen.\n")
    assert "Neuer Absatz von B." in (a.root / "drafts" / SAMPLE_SN / "document.md").read_text()


def test_remote_filled_on_main_while_head_names_master(ws, tmp_path) -> None:
    """An archive filled by an older lafast (main pushed, HEAD -> master): sync repairs HEAD
    of a local bare repository; join checks main out even where HEAD cannot be repaired."""
    bare = bare_master(tmp_path / "remote.git")
    a = copy_samples(ws, SAMPLE_SN)
    set_remote(a, str(bare))
    git(a, "push", "-q", str(bare), "main")
    assert plain_clone(str(bare), tmp_path / "leer") == []  # what users saw: an empty folder
    joined = join_workspace(str(bare), tmp_path / "kollegin")
    assert joined.branch == "main" and joined.drafts == 1
    assert run(["-w", str(a.root), "org", "add", "x", "--name", "X", "--type", "traeger"])[0] == 0
    assert run(["-w", str(a.root), "sync"])[0] == 0
    assert git(a, "ls-remote", "--symref", str(bare), "HEAD").startswith("ref: refs/heads/main")
    assert "lafast.yaml" in plain_clone(str(bare), tmp_path / "jetzt")


def test_join_over_git_daemon_lists_what_is_left_to_set_up(ws, tmp_path, git_daemon) -> None:
    a = copy_samples(ws, SAMPLE_SN)
    cfg = a.root / "lafast.yaml"
    # the colleague (test@lafast.invalid) approves as Leitung; approvals are signed (ssh)
    text = cfg.read_text("utf-8")
    assert "signing:" in text and "git: ssh" in text
    text = text.replace('email: "m.albers@lafast.example.org"', 'email: "test@lafast.invalid"', 1)
    cfg.write_text(text, "utf-8")
    set_remote(a, git_daemon)
    assert run(["-w", str(a.root), "sync"])[0] == 0
    target = tmp_path / "kollegin"
    code, out, err = run(["join", git_daemon, str(target)])
    assert code == 0, err
    assert "Auf diesem Rechner noch einzurichten:" in out
    assert "Sie geben als leitung frei, und Freigaben werden signiert (ssh)" in out
    assert ".git/lafast-local.yaml" in out
    assert run(["-w", str(target), "sync"])[1].startswith("Alles aktuell")


def test_join_refuses_and_leaves_nothing_behind(ws, tmp_path, git_daemon) -> None:
    # not empty
    busy = tmp_path / "belegt"
    busy.mkdir()
    (busy / "notiz.txt").write_text("meins", "utf-8")
    code, _out, err = run(["join", git_daemon, str(busy)])
    assert code == 1 and f"{busy} gibt es schon und ist nicht leer." in err
    assert [p.name for p in busy.iterdir()] == ["notiz.txt"]
    # empty remote
    code, _out, err = run(["join", git_daemon, str(tmp_path / "a")])
    assert code == 6 and f"Das gemeinsame Archiv {git_daemon} ist noch leer." in err
    assert "lafast config save" in err and not (tmp_path / "a").exists()
    # a repository that is not a lafast workspace
    other = tmp_path / "anderes"
    subprocess.run(["git", "init", "-q", "-b", "main", str(other)], check=True)
    (other / "x.txt").write_text("x", "utf-8")
    subprocess.run(["git", "-C", str(other), "add", "x.txt"], check=True)
    subprocess.run(["git", "-C", str(other), "commit", "-qm", "x"], check=True)
    code, _out, err = run(["join", str(other), str(tmp_path / "b")])
    assert code == 3 and "enthält keinen lafast-Arbeitsbereich" in err
    assert not (tmp_path / "b").exists()
    # unreachable
    code, _out, err = run(["join", str(tmp_path / "fehlt.git"), str(tmp_path / "c" / "d")])
    assert code == 6 and "ließ sich nicht holen" in err and not (tmp_path / "c").exists()
    code, _out, err = run(["join", "--upload-pack=touch /tmp/x", str(tmp_path / "d")])
    assert code != 0 and not (tmp_path / "d").exists()


def test_join_with_a_broken_lafast_yaml_keeps_the_clone_and_names_the_line(ws, tmp_path) -> None:
    bare = bare_master(tmp_path / "remote.git")
    set_remote(ws, str(bare))
    cfg = ws.root / "lafast.yaml"
    cfg.write_text(cfg.read_text("utf-8") + "signing:\n  git: lila\n", "utf-8")
    git(ws, "commit", "-qam", "kaputt")
    git(ws, "push", "-q", str(bare), "main:master")
    code, _out, err = run(["join", str(bare), str(tmp_path / "kollegin")])
    assert code == 3 and "lafast.yaml" in err
    assert (tmp_path / "kollegin" / "lafast.yaml").is_file()


def test_config_save_validates_and_saves_hand_edits(ws, tmp_path) -> None:
    cfg = ws.root / "lafast.yaml"
    head = git(ws, "rev-parse", "HEAD")
    code, out, _err = run(["-w", str(ws.root), "config", "save"])
    assert (code, out) == (0, "lafast.yaml ist gültig und unverändert – nichts gespeichert.\n")
    good = cfg.read_text("utf-8").replace('remote: ""', 'remote: "../archiv.git"')
    cfg.write_text(good + "signing:\n  farbe: blau\n  git: lila\n", "utf-8")
    code, out, err = run(["-w", str(ws.root), "config", "save", "-m", "Archiv eingetragen"])
    assert code == 3 and out == ""
    assert err.startswith("Fehler: lafast.yaml enthält 2 Fehler:")
    assert "unbekannter Eintrag „farbe“" in err and "„git“ muss ssh, openpgp oder none sein" in err
    assert git(ws, "rev-parse", "HEAD") == head  # nothing saved
    # doctor says how to save it
    cfg.write_text(good, "utf-8")
    code, out, _err = run(["-w", str(ws.root), "doctor"])
    assert 'lafast.yaml mit „lafast config save -m "…"“ prüfen und speichern' in out
    code, out, err = run(["-w", str(ws.root), "config", "save", "-m", "Archiv eingetragen"])
    assert code == 0, err
    assert out.startswith("lafast.yaml geprüft und gespeichert als ")
    assert git(ws, "log", "-1", "--format=%s") == "Archiv eingetragen\n"
    assert git(ws, "status", "--porcelain") == ""


def test_conflict_sides_match_the_cli_flags() -> None:
    """`lafast conflict keep --meine/--andere` spells out team.conflict's values (so that
    `lafast --help` runs no core module); they must stay the same."""
    from lafast_docs.cli.team import conflict_keep
    from lafast_docs.team.conflict import MINE, THEIRS

    flags = {o.flag_value for o in conflict_keep.params if getattr(o, "flag_value", None)}
    assert flags == {MINE, THEIRS}
