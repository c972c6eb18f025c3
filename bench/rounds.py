"""Consultation rounds at scale, measured in one process.

    python3 bench/rounds.py [--pages 100] [--orgs 40] [--comments 600] [--rounds 4] [--decides 10]

A ~`--pages` Fachstandard, `--orgs` organisations invited to `--rounds` rounds with
`--comments` comments each (YAML answers as in bench/intake.py, one per organisation).
Reported per round: time to open it (forms), to import its answers, the growth of `.git`
(loose objects and packs, as `git count-objects -v` counts them), and `decide` per call on
comments of that round (one commit each). At the end: `comments list --rn N` against the full
list, and `decide` per call at the largest size against 60 comments (the baseline, measured
first), and `lafast decide` as a new process per call (start-up, workspace, lock included).
Target (issue #21): decide <= 0.4 s per call at 2,400 comments; `--rn` faster than the full
list.

Runs against whichever lafast it finds first on PYTHONPATH (the checkout it lies in unless
PYTHONPATH names another one), so the same script measures before and after a change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.append(str(REPO))  # after PYTHONPATH: another checkout given there wins
lafast_docs = importlib.import_module("lafast_docs")  # first: render.py puts REPO in front

from intake import yaml_submission  # noqa: E402
from render import SLUG, make_workspace  # noqa: E402

from lafast_docs.consultation.intake.importer import import_files  # noqa: E402
from lafast_docs.consultation.rounds import close_round, open_round  # noqa: E402
from lafast_docs.consultation.views import list_comments  # noqa: E402
from lafast_docs.decisions.disposition import decide  # noqa: E402
from lafast_docs.text.drafts import load_draft  # noqa: E402
from lafast_docs.text.history import model_of  # noqa: E402
from lafast_docs.workspace import find_workspace  # noqa: E402
from lafast_docs.workspace.addressbook import add_org  # noqa: E402


def git_kib(root: Path) -> int:
    out = subprocess.run(
        ["git", "count-objects", "-v"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    sizes = dict(line.split(": ") for line in out.splitlines())
    return int(sizes["size"]) + int(sizes["size-pack"])


def per_call(ws, ids: list[str], rng: random.Random, n: int) -> float:  # type: ignore[no-untyped-def]
    chosen = rng.sample(ids, min(n, len(ids)))
    t = time.perf_counter()
    for cid in chosen:
        decide(ws, cid, "kenntnis", reason="Benchmark")
    return (time.perf_counter() - t) / len(chosen)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--orgs", type=int, default=40)
    ap.add_argument("--comments", type=int, default=600, help="per round")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--decides", type=int, default=10, help="decide calls measured per round")
    args = ap.parse_args()
    for key in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        os.environ.setdefault(key, "bench")
    for key in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        os.environ.setdefault(key, "bench@lafast.invalid")
    print(f"lafast aus {Path(lafast_docs.__file__).parent.parent}")
    rng = random.Random(21)
    per_org = max(1, args.comments // args.orgs)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        root = make_workspace(tmpdir / "ws", args.pages)
        ws = find_workspace(explicit=root)
        orgs = [f"traeger-{i:03d}" for i in range(args.orgs)]
        for org in orgs:
            add_org(ws, org, name=f"Träger {org}", type="traeger")
        ws = find_workspace(explicit=root)
        blocks = model_of(load_draft(ws, SLUG)).blocks
        today = dt.date.today()
        baseline = 0.0
        total = 0
        print(f"{len(blocks)} Randnummern, {args.orgs} Organisationen, {per_org} Anm. je Antwort")
        print("Runde  öffnen  einlesen  .git-Zuwachs  Anmerkungen  decide/Aufruf")
        for n in range(1, args.rounds + 1):
            before = git_kib(root)
            t = time.perf_counter()
            rnd = open_round(
                ws, SLUG, deadline=today + dt.timedelta(days=30), invite=orgs, today=today
            )
            t_open = time.perf_counter() - t
            inbox = tmpdir / f"eingang-{n}"
            inbox.mkdir()
            paths = []
            for org in orgs:
                p = inbox / f"{org}.yaml"
                p.write_text(yaml_submission(rnd, org, blocks, rng, per_org), "utf-8")
                paths.append(p)
            ids: list[str] = []
            t = time.perf_counter()
            if n == 1:  # the baseline: decide with 60 comments in the workspace
                first = max(1, 60 // per_org)
                ids += [i for r in import_files(ws, paths[:first]) for i in r.ids]
                baseline = per_call(ws, ids, rng, args.decides)
                paths = paths[first:]
            ids += [i for r in import_files(ws, paths) for i in r.ids]
            t_import = time.perf_counter() - t
            total += len(ids)
            t_decide = per_call(ws, ids, rng, args.decides)
            close_round(ws, SLUG, today=today)
            grown = (git_kib(root) - before) / 1024
            print(
                f"{n:5}  {t_open:5.1f} s  {t_import:6.1f} s  {grown:9.1f} MB  {total:11}  "
                f"{t_decide:9.3f} s"
            )
        rn = blocks[len(blocks) // 2].rn
        t = time.perf_counter()
        everything = list_comments(ws, SLUG)
        t_all = time.perf_counter() - t
        t = time.perf_counter()
        some = list_comments(ws, SLUG, rn=rn)
        t_rn = time.perf_counter() - t
        print(f".git insgesamt: {git_kib(root) / 1024:.1f} MB")
        print(
            f"comments list: alle {len(everything)} in {t_all:.2f} s; --rn {rn} ({len(some)}) in "
            f"{t_rn:.2f} s (Verhältnis {t_rn / t_all:.2f})"
        )
        print(
            f"decide: {baseline:.3f} s bei 60 Anmerkungen, {t_decide:.3f} s bei {total} "
            f"(Verhältnis {t_decide / baseline:.2f}; Ziel <= 0.4 s)"
        )
        cli = per_command(root, ids, rng, args.decides)
        print(
            f"lafast decide als eigener Aufruf (mit Start, Arbeitsbereich, Sperre): {cli:.3f} s "
            f"bei {total}; lafast --help {start_time(root, '--help'):.3f} s"
        )


def per_command(root: Path, ids: list[str], rng: random.Random, n: int) -> float:
    """`lafast decide` as staff run it: a new process per call (median)."""
    times = []
    for cid in rng.sample(ids, min(n, len(ids))):
        args = ["decide", cid, "--noted", "--reason", "Benchmark"]
        times.append(start_time(root, *args))
    return statistics.median(times)


def start_time(root: Path, *args: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(Path(lafast_docs.__file__).parent.parent)}
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "lafast_docs", "-w", str(root), *args],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
