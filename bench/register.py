"""Register benchmark: what the key figures and norms cost, measured in the same process.

    python3 bench/register.py [--repeat 5]

On the shipped Fachstandard (its references to the register) and the same text with every
reference written out as plain text, reports medians and ratios:
  analyse   analyse() with references ÷ without (resolution before the Randnummern)
  status    `lafast status` as a new process, with the register's stale report ÷ the same
            workspace without kennzahlen.yaml (absolute seconds too; target: start <= 0.25 s)
  used      `lafast register used` (pandoc per draft and published version; absolute seconds)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from render import median_time  # noqa: E402  (bench/render.py, beside this file)

from lafast_docs.text.analysis import analyse  # noqa: E402
from lafast_docs.text.drafts import load_draft  # noqa: E402
from lafast_docs.workspace.config import CONFIG_NAME, load_config  # noqa: E402
from lafast_docs.workspace.create import init_workspace  # noqa: E402

SLUG = "mindeststandards-fsa"
REFERENCE = re.compile(r"\[([^\]\n]*)\]\{[^}\n]*\b(?:kz|norm)=[^}\n]*\}")


def lafast(root: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run(
        [sys.executable, "-m", "lafast_docs", "-w", str(root), *args],
        env=env,
        capture_output=True,
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        ws = init_workspace(root)
        shutil.copyfile(REPO / "demo" / CONFIG_NAME, root / CONFIG_NAME)
        shutil.copyfile(REPO / "demo" / "kennzahlen.yaml", root / "kennzahlen.yaml")
        ws.config = load_config(root / CONFIG_NAME)
        shutil.copytree(REPO / "drafts" / SLUG, ws.drafts_dir / SLUG)
        ws.store.commit([root], "Beispiel")
        sha = ws.store.resolve("HEAD")
        subprocess.run(
            ["git", "-C", str(root), "tag", "-a", "-m", "v", f"lafast/{SLUG}/veroeffentlicht/1.0",
             sha],
            check=True,
        )  # fmt: skip
        draft = load_draft(ws, SLUG)
        plain = load_draft(ws, SLUG)
        plain.body = REFERENCE.sub(r"\1", plain.body)
        with_refs = median_time(lambda: analyse(draft), repeat)
        without = median_time(lambda: analyse(plain), repeat)
        print(f"analyse  {with_refs:.3f} s ÷ {without:.3f} s = {with_refs / without:.2f}")
        status = median_time(lambda: lafast(root, "status"), repeat)
        used = median_time(lambda: lafast(root, "register", "used"), repeat)
        (root / "kennzahlen.yaml").unlink()
        bare = median_time(lambda: lafast(root, "status"), repeat)
        print(f"status   {status:.3f} s ÷ {bare:.3f} s = {status / bare:.2f}")
        print(f"used     {used:.3f} s (1 draft + 1 published version)")


if __name__ == "__main__":
    main()
