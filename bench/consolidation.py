"""Consolidation benchmark (issue #4), measured in one process.

    python3 bench/consolidation.py [--pages 60] [--proposals 300] [--repeat 3]

Set-up (not timed): a ~60-page draft, a round, `--proposals` accepted proposals from 30
organisations (each a unique, non-overlapping phrase of the draft; YAML import), all accepted
in one bulk disposition, the LAG's consensus.

1. Merge: `merge.plan` (re-find every proposal in the current text, overlap check, build the
   new text) and a real `merge` with the time of its one git commit taken out.
   Target: <= 2 s excluding the commit.
2. Synopse: the Synopse PDF of the round (consulted version -> merged version, every comment)
   ÷ rendering the merged 60-page document as PDF. Target <= 1.5.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from render import SLUG, make_workspace, median_time  # noqa: E402

from lafast_docs.consultation.intake.importer import import_files  # noqa: E402
from lafast_docs.consultation.rounds import open_round  # noqa: E402
from lafast_docs.decisions import disposition  # noqa: E402
from lafast_docs.decisions.consensus import record  # noqa: E402
from lafast_docs.decisions.merge import _words_pattern, merge, plan  # noqa: E402
from lafast_docs.outputs.document import render  # noqa: E402
from lafast_docs.outputs.synopse import synopse  # noqa: E402
from lafast_docs.storage.git import Store  # noqa: E402
from lafast_docs.text.drafts import load_draft  # noqa: E402
from lafast_docs.text.history import model_of  # noqa: E402
from lafast_docs.workspace import find_workspace  # noqa: E402
from lafast_docs.workspace.addressbook import add_org  # noqa: E402

ORGS = 30


def vary_second_half(root: Path) -> None:
    """The 60-page draft repeats the sample; reverse the words of the repeated prose lines so
    that phrases are unique (a real draft does not repeat itself)."""
    path = root / "drafts" / SLUG / "document.md"
    text = path.read_text("utf-8")
    cut = len(text) // 2 + text[len(text) // 2 :].index("\n#")
    lines = text[cut:].split("\n")
    for i, line in enumerate(lines):
        if line[:1].isalpha():
            lines[i] = " ".join(reversed(line.split()))
    path.write_text(text[:cut] + "\n".join(lines), "utf-8")
    Store(root).commit([path], "Benchmark: zweite Hälfte verändert")


def pick_proposals(body: str, blocks, n: int, rng: random.Random) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    """(rn, old, new): phrases that occur exactly once in the source, not overlapping."""
    taken: list[tuple[int, int]] = []
    chosen = []
    candidates = [b for b in blocks if b.kind in ("absatz", "listenpunkt")]
    tries = 0
    while len(chosen) < n and tries < n * 200:
        tries += 1
        b = rng.choice(candidates)
        words = b.text.split()
        if len(words) < 8:
            continue
        start = rng.randrange(len(words) - 5)
        old = " ".join(words[start : start + 5])
        spans = [m.span() for m in re.finditer(_words_pattern(old), body)]
        if len(spans) != 1:
            continue
        s, e = spans[0]
        if any(s < te and ts < e for ts, te in taken):
            continue
        taken.append((s, e))
        new = " ".join([*words[start : start + 4], "(geändert)", words[start + 4]])
        chosen.append((b.rn, old, new))
    if len(chosen) < n:
        raise SystemExit(f"only {len(chosen)} unique phrases found")
    return chosen


def all_accepted(ws) -> None:  # type: ignore[no-untyped-def]
    """The committee's consensus that every decision stands (the benchmarks' decision step)."""
    record(
        ws,
        SLUG,
        gremium="lag-fsa-msa",
        date=dt.date.today(),
        participants=["Bench"],
        all_accepted=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--proposals", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for key in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        os.environ.setdefault(key, "bench")
    for key in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        os.environ.setdefault(key, "bench@lafast.invalid")
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        root = make_workspace(tmpdir / "ws", args.pages)
        vary_second_half(root)
        ws = find_workspace(explicit=root)
        orgs = [f"traeger-{i:02d}" for i in range(ORGS)]
        for org in orgs:
            add_org(ws, org, name=f"Träger {org}", type="traeger")
        rnd = open_round(
            ws,
            SLUG,
            deadline=dt.date.today() + dt.timedelta(days=30),
            invite=orgs,
            today=dt.date.today(),
        )
        draft = load_draft(ws, SLUG)
        blocks = model_of(draft).blocks
        proposals = pick_proposals(draft.body, blocks, args.proposals, rng)
        inbox = tmpdir / "eingang"
        inbox.mkdir()
        files = []
        for k, org in enumerate(orgs):
            mine = proposals[k::ORGS]
            lines = [
                'format: "lafast-rueckmeldung/1"',
                f'dokument: "{SLUG}"',
                f'runde: "{rnd.id}"',
                f'organisation: "{org}"',
                "einwilligung: oeffentlich",
                "anmerkungen:",
            ]
            for rn, old, new in mine:
                lines += [
                    f"  - rn: {rn}",
                    "    art: redaktionell",
                    f"    zitat: {json.dumps(old, ensure_ascii=False)}",
                    f'    anmerkung: "Bitte präzisieren (Rn. {rn})."',
                    f"    aenderungsvorschlag: {json.dumps(new, ensure_ascii=False)}",
                ]
            path = inbox / f"{org}.yaml"
            path.write_text("\n".join(lines) + "\n", "utf-8")
            files.append(path)
        results = import_files(ws, files)
        ids = [i for r in results for i in r.ids]
        assert len(ids) == args.proposals, [r.message for r in results if r.status != "importiert"]
        disposition.append(
            ws,
            rnd.folder,
            [disposition.make(ws, cid, "angenommen") for cid in ids],
            message="Benchmark: alle angenommen",
        )
        all_accepted(ws)

        p = plan(ws, SLUG)
        t_plan = median_time(lambda: plan(ws, SLUG), args.repeat)
        commit_time = []
        real_commit = Store.commit

        def timed_commit(self, *a, **kw):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return real_commit(self, *a, **kw)
            finally:
                commit_time.append(time.perf_counter() - t)

        Store.commit = timed_commit  # type: ignore[method-assign]
        t = time.perf_counter()
        merged = merge(ws, SLUG)
        t_merge = time.perf_counter() - t
        Store.commit = real_commit  # type: ignore[method-assign]

        synopse(ws, SLUG, rnd.tag, "HEAD", formats=("pdf",))  # warm up
        t_syn = median_time(
            lambda: synopse(ws, SLUG, rnd.tag, "HEAD", formats=("pdf",)), args.repeat
        )
        t_doc = median_time(lambda: render(ws, SLUG, formats=("pdf",), force=True), args.repeat)
        from pypdf import PdfReader

        doc_pages = len(PdfReader(ws.build_dir / SLUG / f"{SLUG}.pdf").pages)
        syn_pdf = next((ws.build_dir / SLUG).glob(f"{SLUG}-synopse-*.pdf"))
        syn_pages = len(PdfReader(syn_pdf).pages)

    print(
        f"Entwurf: {doc_pages} Seiten, {len(blocks)} Randnummern; {len(ids)} angenommene "
        f"Vorschläge; Median aus {args.repeat}"
    )
    print(
        f"merge plan {t_plan:6.2f} s ({len(p.changes)} übernommen, {len(p.refused)} abgelehnt); "
        f"merge {t_merge:6.2f} s, davon git commit {sum(commit_time):.2f} s -> ohne commit "
        f"{t_merge - sum(commit_time):.2f} s   (target <= 2 s); {len(merged.changes)} applied"
    )
    print(
        f"Synopse PDF {t_syn:6.2f} s ({syn_pages} Seiten) | Dokument-PDF {t_doc:6.2f} s -> "
        f"ratio {t_syn / t_doc:.2f}   (target <= 1.5)"
    )


if __name__ == "__main__":
    main()
