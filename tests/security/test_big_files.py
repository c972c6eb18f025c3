"""Big outsider files fail fast and alone (issue 13, section 5): a Word answer with 100,000
comments is refused by counting its XML before pandoc reads it, quarantined outside the git
history (hash and name in the committed note), and the rest of the batch is imported.
Time and memory of that refusal are measured in bench/intake.py (`--big`)."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from lafast_docs.consultation.intake import safety
from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.consultation.submissions import list_submissions

from ..conftest import SAMPLE_SN, git
from ..intake_files import docx_with_comments, fill_yaml_form, rezip


@pytest.fixture
def rnd_ws(round_ws):
    return round_ws


def form(ws, org: str, ext: str):
    return ws.rnd.folder / "formulare" / org / f"{SAMPLE_SN}-runde-1-{org}.{ext}"


def test_docx_with_100000_comments_is_refused_and_the_batch_goes_on(rnd_ws, tmp_path) -> None:
    big = tmp_path / "riesig.docx"
    big.write_bytes(docx_with_comments(form(rnd_ws, "awo-sachsen", "docx").read_bytes(), 100_000))
    assert big.stat().st_size > safety.MAX_KEPT_IN_GIT
    good = tmp_path / "caritas.yaml"
    good.write_bytes(
        fill_yaml_form(form(rnd_ws, "caritas-dresden", "yaml"), '  - rn: 1\n    anmerkung: "x"\n')
    )
    head = git(rnd_ws, "rev-parse", "HEAD").strip()

    res = import_files(rnd_ws, [big, good])

    assert [r.status for r in res] == ["abgelehnt", "importiert"], [r.message for r in res]
    assert "mehr als 2.000 Kommentare" in res[0].message
    assert [s.org for s in list_submissions(rnd_ws.rnd.folder)] == ["caritas-dresden"]
    # the big file is kept on this machine under its hash, outside the history ...
    sha = hashlib.sha256(big.read_bytes()).hexdigest()
    kept = rnd_ws.store.git_dir() / "lafast" / "quarantaene" / f"{sha}.bin"
    assert res[0].path == kept and kept.read_bytes() == big.read_bytes()
    # ... and the committed note names it, its hash and where it is
    [note] = (rnd_ws.rnd.folder / "quarantaene").glob("*.txt")
    text = note.read_text("utf-8")
    assert "Datei: riesig.docx" in text and sha in text and str(kept) in text
    assert "mehr als 2.000 Kommentare" in text
    assert not list((rnd_ws.rnd.folder / "quarantaene").glob("*.bin"))
    added = git(rnd_ws, "diff", "--name-only", head, "HEAD").split()
    assert note.relative_to(rnd_ws.root).as_posix() in added
    assert not [p for p in added if p.endswith(".bin") or p.endswith(".docx")], added
    assert git(rnd_ws, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("part", "element", "limit", "label"),
    [
        ("word/document.xml", "ins", safety.MAX_CHANGES, "nachverfolgte Änderungen"),
        ("word/document.xml", "p", safety.MAX_PARAGRAPHS, "Absätze"),
    ],
)
def test_other_word_counts_are_limited(rnd_ws, tmp_path, part, element, limit, label) -> None:
    data = form(rnd_ws, "awo-sachsen", "docx").read_bytes()
    body = zipfile.ZipFile(io.BytesIO(data)).read(part)
    extra = f"<w:p><w:{element}/></w:p>" if element != "p" else "<w:p/>"
    bulk = (extra * (limit + 1)).encode()
    path = tmp_path / "viel.docx"
    path.write_bytes(rezip(data, replace={part: body.replace(b"<w:body>", b"<w:body>" + bulk, 1)}))
    [res] = import_files(rnd_ws, [path])
    assert res.status == "abgelehnt" and label in res.message, res.message
    assert list_submissions(rnd_ws.rnd.folder) == []
    assert git(rnd_ws, "status", "--porcelain") == ""
