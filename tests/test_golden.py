"""Golden tests: what `lafast demo` leaves, compared with the expected text in tests/golden/.

Layout-agnostic on purpose: the outputs come from the `lafast` command only (run as
`python -m lafast_docs` with this checkout first on PYTHONPATH) and are read with third-party
readers (lxml, zipfile + ElementTree, pypdf, openpyxl). No lafast module is imported here, so
these tests stay unchanged when modules move. What varies between runs or machines is replaced
by a placeholder (`Normaliser`); everything else must match to the character.

After an intended change, regenerate and review the diff of tests/golden/ like code:

    python -m pytest tests/test_golden.py --update-golden
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
FS = "mindeststandards-fsa"
SN = "stellungnahme-verordnung-unterbringung"
ROUND = f"comments/{FS}/runde-1"
# demo/rueckmeldungen.yaml: which organisation answers the demo's round in which format
INTAKE = {
    "docx": "awo-sachsen",
    "xlsx": "lag-fsa-msa",
    "yaml": "caritas-dresden",
    "eml": "diakonie-sachsen",
}
# a fixed identity and time zone, so that nothing depends on this machine's git config or clock
ENV = {
    "GIT_AUTHOR_NAME": "Test Referentin",
    "GIT_AUTHOR_EMAIL": "test@lafast.invalid",
    "GIT_COMMITTER_NAME": "Test Referentin",
    "GIT_COMMITTER_EMAIL": "test@lafast.invalid",
    "TZ": "UTC",
    "NO_COLOR": "1",
}
UPDATE_HINT = "python -m pytest tests/test_golden.py --update-golden"


# -- running lafast ------------------------------------------------------------------------------
def lafast(cwd: Path, *args: str) -> str:
    """`lafast ARGS…` in a child process running this checkout's code; returns its stdout."""
    env = {**os.environ, **ENV}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "lafast_docs", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, f"{args}: exit code {proc.returncode}\n{proc.stderr[-3000:]}"
    return proc.stdout


@dataclass
class Demo:
    root: Path
    norm: Normaliser
    stdout: dict[str, str]  # output of the lafast commands run in the finished workspace


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """One `lafast demo` for the whole session (about a minute), plus the read-only commands."""
    parent = tmp_path_factory.mktemp("golden")
    start = dt.datetime.now(dt.UTC)
    lafast(parent, "demo", "demo")
    root = (parent / "demo").resolve()
    stdout = {
        "status": lafast(root, "status", "--json"),
        "comments list": lafast(root, "comments", "list", FS, "--json"),
    }
    end = dt.datetime.now(dt.UTC)
    refs = subprocess.run(
        ["git", "-C", str(root), "rev-list", "--all"], capture_output=True, text=True, check=True
    ).stdout.split()
    return Demo(root, Normaliser(root, start, end, set(refs)), stdout)


# -- normalising what varies between runs ----------------------------------------------------------
MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
DATETIME_ISO = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
DATE_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
DATE_DE = re.compile(r"(?<![\d.])(\d{2})\.(\d{2})\.(\d{4})(?!\d)")
DATE_LONG = re.compile(r"(?<!\d)(\d{1,2})\.\s+(" + "|".join(MONTHS) + r")\s+(\d{4})(?!\d)")
DATE_FORMATS = {  # placeholder suffix -> how the date is written
    "": lambda d: d.isoformat(),
    " TT.MM.JJJJ": lambda d: f"{d:%d.%m.%Y}",
    " T. Monat JJJJ": lambda d: f"{d.day}. {MONTHS[d.month - 1]} {d.year}",
}
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
SHA256 = re.compile(r"\b[0-9a-f]{64}\b")
SHA1 = re.compile(r"\b[0-9a-f]{40}\b")
SHORT_HEX = re.compile(r"\b[0-9a-f]{7,39}\b")


def _demo_days() -> tuple[int, ...]:
    """The days after today on which the demo puts dates: the round's deadline and the LAG's
    meeting (demo/rueckmeldungen.yaml: frist_tage, konsens.tage_nach_frist)."""
    spec = (REPO / "demo" / "rueckmeldungen.yaml").read_text("utf-8")
    deadline = int(re.search(r"^frist_tage:\s*(\d+)", spec, re.M).group(1))  # type: ignore[union-attr]
    after = int(re.search(r"^\s+tage_nach_frist:\s*(\d+)", spec, re.M).group(1))  # type: ignore[union-attr]
    return (0, deadline, deadline + after)


def dates_in(text: str) -> set[dt.date]:
    found = set()
    for m in DATE_ISO.finditer(text):
        found.add(_date(int(m[1]), int(m[2]), int(m[3])))
    for m in DATE_DE.finditer(text):
        found.add(_date(int(m[3]), int(m[2]), int(m[1])))
    for m in DATE_LONG.finditer(text):
        found.add(_date(int(m[3]), MONTHS.index(m[2]) + 1, int(m[1])))
    return found - {None}  # type: ignore[arg-type]


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


class Normaliser:
    """Replaces, and only replaces, what differs from run to run:

    - the workspace's temp path -> <ARBEITSBEREICH>
    - date and time of the run (ISO timestamps within the run) -> <JETZT>
    - today and the demo's dates counted from today -> <HEUTE>, <HEUTE+28>, … (ISO dates), with
      the format named for the others: <HEUTE+28 TT.MM.JJJJ>, <HEUTE T. Monat JJJJ>
    - commit ids -> <COMMIT-n> (also as a short prefix), other SHA-1 -> <SHA1-n>, SHA-256
      digests -> <SHA256-n> (a 12-digit prefix: <SHA256-n:12>), UUIDs -> <UUID-n>; n counts
      distinct values in order of first appearance within one golden file.
    """

    def __init__(self, root: Path, start: dt.datetime, end: dt.datetime, commits: set[str]):
        self.root = root
        # timestamps are written to the second: the run's first one may lie before `start`
        self.window = (start.replace(microsecond=0) - dt.timedelta(seconds=1), end)
        today = start.date()
        self.days = {
            today + dt.timedelta(days=n): "HEUTE" if n == 0 else f"HEUTE+{n}" for n in _demo_days()
        }
        self.commits = commits

    def __call__(self, text: str) -> str:
        text = text.replace(self.root.as_uri(), "<ARBEITSBEREICH-URI>")
        text = text.replace(str(self.root), "<ARBEITSBEREICH>")
        return self._hex(self.dates(text))

    def expected(self, golden: str) -> str:
        """The golden text as it reads today: the demo's dates written out and normalised
        again, so that a date in a sample that is one of the demo's dates today, or a fixed
        time that falls within this run, is treated the same on both sides."""
        for day, name in self.days.items():
            for suffix, write in DATE_FORMATS.items():
                golden = golden.replace(f"<{name}{suffix}>", write(day))
        return self.dates(golden)

    def dates(self, text: str) -> str:
        text = DATETIME_ISO.sub(self._now, text)

        def sub(pattern: re.Pattern[str], order: Callable[[re.Match[str]], tuple], fmt: str):
            def repl(m: re.Match[str]) -> str:
                name = self.days.get(_date(*order(m)))  # type: ignore[arg-type]
                return m[0] if name is None else f"<{name}{fmt}>"

            return pattern.sub(repl, text)

        text = sub(DATE_ISO, lambda m: (int(m[1]), int(m[2]), int(m[3])), "")
        text = sub(DATE_DE, lambda m: (int(m[3]), int(m[2]), int(m[1])), " TT.MM.JJJJ")
        text = sub(
            DATE_LONG, lambda m: (int(m[3]), MONTHS.index(m[2]) + 1, int(m[1])), " T. Monat JJJJ"
        )
        return text

    def _now(self, m: re.Match[str]) -> str:
        when = dt.datetime.fromisoformat(m[0])
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)  # the children run with TZ=UTC
        return "<JETZT>" if self.window[0] <= when <= self.window[1] else m[0]

    def _hex(self, text: str) -> str:
        seen: dict[str, str] = {}

        def name(value: str, kind: str) -> str:
            if value not in seen:
                n = 1 + sum(v.startswith(f"<{kind}-") for v in seen.values())
                seen[value] = f"<{kind}-{n}>"
            return seen[value]

        text = UUID.sub(lambda m: name(m[0].lower(), "UUID"), text)
        digests = list(dict.fromkeys(SHA256.findall(text)))
        text = SHA256.sub(lambda m: name(m[0], "SHA256"), text)
        for d in digests:
            text = re.sub(rf"\b{d[:12]}\b", seen[d][:-1] + ":12>", text)
        text = SHA1.sub(lambda m: name(m[0], "COMMIT" if m[0] in self.commits else "SHA1"), text)

        def short(m: re.Match[str]) -> str:
            full = next((c for c in self.commits if c.startswith(m[0])), None)
            return m[0] if full is None else name(full, "COMMIT")

        return SHORT_HEX.sub(short, text)


# -- readers: each output as readable text ---------------------------------------------------------
BLOCK = re.compile(  # tag names written on lines of their own
    r"html|head|body|header|footer|nav|main|section|article|aside|div|p|[uo]l|li|d[ltd]|table"
    r"|caption|colgroup|t(?:head|body|foot|r|h|d)|figure|figcaption|blockquote|pre|hr|h[1-6]"
    r"|title|meta|link|style|script|details|summary|address"
)
VOID = {"meta", "link", "img", "br", "hr", "input", "source", "col", "wbr"}


def html_text(path: Path) -> str:
    """The page parsed and written again: one block element per line, indented by nesting,
    inline markup kept as HTML, white space collapsed, data: URIs shortened to a digest."""
    from lxml import html

    doc = html.document_fromstring(path.read_bytes())
    lines = [doc.getroottree().docinfo.doctype]
    _html_block(doc, 0, lines)
    return "\n".join(lines) + "\n"


def _html_block(el: object, depth: int, lines: list[str]) -> None:
    from lxml import etree

    pad = "  " * depth
    if not isinstance(el.tag, str):  # type: ignore[attr-defined]
        if isinstance(el, etree._Comment):
            lines.append(f"{pad}<!--{el.text}-->")
        return
    tag = el.tag  # type: ignore[attr-defined]
    if tag in ("style", "script"):
        lines.append(pad + _open(el))
        lines += [pad + "  " + ln.strip() for ln in (el.text or "").splitlines() if ln.strip()]  # type: ignore[attr-defined]
        lines.append(f"{pad}</{tag}>")
        return
    children = list(el)  # type: ignore[call-overload]
    if tag == "pre" or not any(_is_block(c) for c in children):
        lines.append(pad + _inline(el))
        return
    lines.append(pad + _open(el))
    run = [_text(el.text)]  # type: ignore[attr-defined]
    for child in children:
        if _is_block(child):
            _flush(run, pad + "  ", lines)
            _html_block(child, depth + 1, lines)
            run = [_text(child.tail)]
        else:
            run += [_inline(child), _text(child.tail)]
    _flush(run, pad + "  ", lines)
    lines.append(f"{pad}</{tag}>")


def _is_block(el: object) -> bool:
    tag = el.tag  # type: ignore[attr-defined]
    return not isinstance(tag, str) or BLOCK.fullmatch(tag) is not None


def _flush(run: list[str], pad: str, lines: list[str]) -> None:
    text = "".join(run).strip()
    if text:
        lines.append(pad + text)


def _inline(el: object) -> str:
    tag = el.tag  # type: ignore[attr-defined]
    if not isinstance(tag, str):
        return f"<!--{el.text}-->"  # type: ignore[attr-defined]
    if tag in VOID:
        return _open(el)
    keep = tag == "pre"
    parts = [_text(el.text, keep)]  # type: ignore[attr-defined]
    for child in el:  # type: ignore[attr-defined]
        parts += [_inline(child), _text(child.tail, keep)]
    inner = "".join(parts)
    return f"{_open(el)}{inner if keep else inner.strip()}</{tag}>"


def _open(el: object) -> str:
    attrs = "".join(
        f' {k}="{_attr(v)}"'
        for k, v in el.attrib.items()  # type: ignore[attr-defined]
    )
    return f"<{el.tag}{attrs}>"  # type: ignore[attr-defined]


def _attr(value: str) -> str:
    if value.startswith("data:"):
        head, _, data = value.partition(",")
        digest = hashlib.sha256(data.encode()).hexdigest()[:16]
        value = f"{head},… {len(data)} Zeichen, Prüfsumme {digest}"
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _text(value: str | None, keep: bool = False) -> str:
    value = (value or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value if keep else re.sub(r"\s+", " ", value)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


def docx_text(path: Path) -> str:
    """word/document.xml, one line per paragraph: `[StyleName] text`; tables as nested blocks,
    then the footnotes. Tabs ⇥, line breaks ↵, footnote marks [^n], field codes ⟨…⟩, tracked
    changes {+…+} / [-…-], pictures [Bild: alt text]."""
    with zipfile.ZipFile(path) as z:
        names = _style_names(ET.fromstring(z.read("word/styles.xml")))
        lines: list[str] = []
        _docx_blocks(ET.fromstring(z.read("word/document.xml")).find(f"{W}body"), names, "", lines)
        if "word/footnotes.xml" in z.namelist():
            lines.append("── Fußnoten ──")
            for note in ET.fromstring(z.read("word/footnotes.xml")):
                if note.get(f"{W}type") in (None, "normal"):
                    text: list[str] = []
                    _docx_blocks(note, names, "", text)
                    lines += [t.replace("[^]", f"[^{note.get(f'{W}id')}]") for t in text]
    return "\n".join(lines) + "\n"


def _style_names(styles: ET.Element) -> dict[str, str]:
    names = {}
    for s in styles.iter(f"{W}style"):
        name = s.find(f"{W}name")
        names[s.get(f"{W}styleId", "")] = name.get(f"{W}val", "") if name is not None else ""
        if s.get(f"{W}type") == "paragraph" and s.get(f"{W}default") in ("1", "true"):
            names[""] = names[s.get(f"{W}styleId", "")]
    return names


def _docx_blocks(parent: ET.Element | None, names: dict[str, str], pad: str, out: list[str]):
    for el in parent if parent is not None else ():
        tag = el.tag.removeprefix(W)
        if tag == "p":
            style = el.find(f"{W}pPr/{W}pStyle")
            sid = style.get(f"{W}val", "") if style is not None else ""
            parts: list[str] = []
            _docx_runs(el, parts)
            out.append(f"{pad}[{names.get(sid, sid)}] {''.join(parts)}".rstrip())
        elif tag == "tbl":
            out.append(f"{pad}<Tabelle>")
            for row in el.iter(f"{W}tr"):
                out.append(f"{pad}  <Zeile>")
                for cell in row.findall(f"{W}tc"):
                    cell_lines: list[str] = []
                    _docx_blocks(cell, names, "", cell_lines)
                    out += [
                        f"{pad}    {'|' if i == 0 else ' '} {line}"
                        for i, line in enumerate(cell_lines)
                    ]
            out.append(f"{pad}</Tabelle>")
        elif tag in ("sdt", "sdtContent", "ins", "customXml"):
            _docx_blocks(el, names, pad, out)


def _docx_runs(el: ET.Element, out: list[str]) -> None:
    for c in el:
        tag = c.tag.removeprefix(W)
        if tag in ("pPr", "rPr"):
            continue
        if tag in ("t", "delText"):
            out.append(c.text or "")
        elif tag == "tab":
            out.append("⇥")
        elif tag in ("br", "cr"):
            out.append("↵")
        elif tag == "instrText":
            out.append(f"⟨{(c.text or '').strip()}⟩")
        elif tag == "footnoteRef":  # the number inside the footnote itself
            out.append("[^]")
        elif tag == "footnoteReference":
            out.append(f"[^{c.get(f'{W}id')}]")
        elif tag == "commentReference":
            out.append(f"[Kommentar {c.get(f'{W}id')}]")
        elif tag == "ins":
            out.append("{+")
            _docx_runs(c, out)
            out.append("+}")
        elif tag == "del":
            out.append("[-")
            _docx_runs(c, out)
            out.append("-]")
        elif c.tag == f"{WP}docPr":
            out.append(f"[Bild: {c.get('descr', '')}]")
        else:
            _docx_runs(c, out)


def pdf_text(path: Path) -> str:
    """The text pypdf extracts, page by page."""
    from pypdf import PdfReader

    pages = PdfReader(path).pages
    lines = []
    for n, page in enumerate(pages, start=1):
        lines.append(f"════ Seite {n} von {len(pages)} ════")
        lines += [ln.rstrip() for ln in (page.extract_text() or "").splitlines()]
    return "\n".join(lines) + "\n"


def xlsx_text(path: Path) -> str:
    """Each sheet: its state, frozen panes and drop-downs, then its rows as JSON arrays (so
    that a number and a text reading the same stay different); the workbook's title and
    lafast's own document properties."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    lines = [f"Titel: {json.dumps(wb.properties.title, ensure_ascii=False)}"]
    lines += [f"Eigenschaft {p.name}: {p.value}" for p in wb.custom_doc_props.props]
    for sheet in wb.worksheets:
        lines.append(
            f"════ Blatt „{sheet.title}“ ({sheet.sheet_state}, fixiert: {sheet.freeze_panes}) ════"
        )
        for v in sheet.data_validations.dataValidation:
            lines.append(f"Auswahl {v.sqref}: {v.type} {v.formula1}, leer erlaubt: {v.allow_blank}")
        for n, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = list(row)
            while cells and cells[-1] is None:
                cells.pop()
            if cells:
                lines.append(f"{n}: {json.dumps(cells, ensure_ascii=False, default=str)}")
    return "\n".join(lines) + "\n"


def json_text(stdout: str) -> str:
    return json.dumps(json.loads(stdout), ensure_ascii=False, indent=2) + "\n"


# -- the golden files ------------------------------------------------------------------------------
Reader = Callable[[Demo], str]


def _file(reader: Callable[[Path], str], rel: str) -> Reader:
    return lambda demo: reader(demo.root / rel)


def _command(name: str) -> Reader:
    return lambda demo: json_text(demo.stdout[name])


GOLDEN_FILES: dict[str, Reader] = {
    **{
        f"{slug}.{ext}.txt": _file(reader, f"build/{slug}/{slug}.{ext}")
        for slug in (FS, SN)
        for ext, reader in (("html", html_text), ("docx", docx_text), ("pdf", pdf_text))
    },
    "synopse.xlsx.txt": _file(xlsx_text, f"build/{FS}/{FS}-synopse-0.3-0.4.xlsx"),
    "abwaegung.xlsx.txt": _file(xlsx_text, f"build/{FS}/abwaegung-{FS}-runde-1.xlsx"),
    **{
        f"rueckmeldung-{fmt}-{org}.yaml": _file(
            lambda p: p.read_text("utf-8"), f"{ROUND}/{org}-1.yaml"
        )
        for fmt, org in INTAKE.items()
    },
    "comments-list.json": _command("comments list"),
    "status.json": _command("status"),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_FILES))
def test_golden(name: str, demo: Demo, request: pytest.FixtureRequest) -> None:
    actual = demo.norm(GOLDEN_FILES[name](demo))
    path = GOLDEN / name
    if request.config.getoption("--update-golden"):
        _refuse_ambiguous_run(demo)
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.is_file():
        pytest.fail(f"{path} is missing; create it with: {UPDATE_HINT}", pytrace=False)
    expected = demo.norm.expected(path.read_text("utf-8"))
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), f"golden/{name}", "now", lineterm="", n=2
        )
        lines = list(diff)
        shown = "\n".join(lines[:120]) + ("\n…" if len(lines) > 120 else "")
        pytest.fail(
            f"Output differs from tests/golden/{name}:\n{shown}\n\n"
            f"If the change is intended: {UPDATE_HINT}, and review the diff like code.",
            pytrace=False,
        )


def _refuse_ambiguous_run(demo: Demo) -> None:
    """Golden files written from a run whose dates or times could be mistaken for the run's
    own would hold a placeholder where a fixed value belongs: refuse, and say why."""
    sources = "".join(p.read_text("utf-8") for p in sorted(REPO.glob("drafts/*/document.md")))
    clash = set(demo.norm.days) & dates_in(sources)
    start, end = demo.norm.window
    if clash:
        why = f"today the demo's dates {sorted(map(str, clash))} are also dates in the samples"
    elif start.date() != end.date() or start.hour != end.hour:
        # e.g. the Word answer's comments are dated at 10:00 UTC of the round's opening day
        why = "the run crossed a full hour, the time at which the demo dates fixed events"
    else:
        return
    pytest.fail(f"Not updating the golden files: {why}. Run again later.", pytrace=False)


def test_golden_folder_holds_only_golden_files(request: pytest.FixtureRequest) -> None:
    stray = sorted(p.name for p in GOLDEN.iterdir() if p.name not in GOLDEN_FILES)
    if stray and request.config.getoption("--update-golden"):
        for name in stray:
            (GOLDEN / name).unlink()
        return
    assert not stray, f"files in tests/golden/ that no test compares: {stray}"


def test_every_answer_of_the_demo_has_a_golden_file(demo: Demo) -> None:
    """The demo's round imports exactly one answer per intake format listed in INTAKE."""
    stored = {
        p.name
        for p in (demo.root / ROUND).glob("*.yaml")
        if "lafast-submission/" in p.read_text("utf-8")
    }
    assert stored == {f"{org}-1.yaml" for org in INTAKE.values()}
