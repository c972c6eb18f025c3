"""Hostile returned files: each is refused with a German reason, quarantined, nothing else
is written (no submission, no change to drafts, a clean git status, one commit that holds only
the quarantine note).

The battery runs over every reader in the intake registry: each gets the generic cases its
declaration implies (size; for an Office zip, the container attacks) plus its own samples in
`HOSTILE`. A newly registered reader without samples fails `test_every_reader_has_samples`."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from lafast_docs.consultation.intake import safety
from lafast_docs.consultation.intake.eml import MAX_ATTACHMENTS
from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.consultation.intake.mailboxes import MAX_MESSAGES
from lafast_docs.consultation.intake.msg import OLE_MAGIC
from lafast_docs.consultation.intake.registry import READERS
from lafast_docs.consultation.intake.table import MAX_CELL, MAX_ROWS
from lafast_docs.consultation.model import Reader
from lafast_docs.consultation.rounds import open_round
from lafast_docs.consultation.submissions import list_submissions

from ..conftest import SAMPLE_SN, copy_samples, git
from ..intake_files import eml_with, fill_xlsx_form, fill_yaml_form, msg_with, rezip

DEADLINE = dt.date(2026, 12, 15)


@pytest.fixture
def rnd_ws(ws):
    ws = copy_samples(ws, SAMPLE_SN)
    ws.rnd = open_round(
        ws,
        SAMPLE_SN,
        deadline=DEADLINE,  # type: ignore[attr-defined]
        invite=["awo-sachsen"],
        today=dt.date(2026, 11, 21),
    )
    return ws


def form(ws, ext: str) -> Path:
    return ws.rnd.folder / "formulare" / "awo-sachsen" / f"{SAMPLE_SN}-runde-1-awo-sachsen.{ext}"


def snapshot(ws) -> dict[str, bytes]:
    return {
        str(p.relative_to(ws.root)): p.read_bytes()
        for p in ws.root.rglob("*")
        if p.is_file() and ".git" not in p.parts and "quarantaene" not in p.parts
    }


def assert_refused(ws, tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    before = snapshot(ws)
    config_before = (ws.root / ".git" / "config").read_bytes()
    head, tags = git(ws, "rev-parse", "HEAD").strip(), git(ws, "tag", "--list")
    path = tmp_path / "eingang" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    res = import_files(ws, [path], from_org="awo-sachsen", document=SAMPLE_SN)
    assert res[0].status == "abgelehnt", res[0].message
    assert reason in res[0].message
    assert snapshot(ws) == before
    assert list_submissions(ws.rnd.folder) == []
    notes = list((ws.rnd.folder / "quarantaene").glob("*.txt"))
    assert len(notes) == 1 and reason in notes[0].read_text("utf-8")
    assert git(ws, "status", "--porcelain") == ""
    # git: one new commit on top of the old HEAD, holding nothing but the quarantined file
    assert git(ws, "rev-parse", "HEAD~1").strip() == head
    changed = git(ws, "diff", "--name-only", head, "HEAD").split()
    quarantine = (ws.rnd.folder / "quarantaene").relative_to(ws.root).as_posix()
    assert changed and all(p.rpartition("/")[0] == quarantine for p in changed), changed
    assert git(ws, "tag", "--list") == tags
    assert (ws.root / ".git" / "config").read_bytes() == config_before
    assert not list((ws.root / ".git" / "hooks").glob("*[!e]"))  # only git's *.sample files


def zip_with(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, body in entries.items():
            z.writestr(name, body)
    return buf.getvalue()


def docx_form(ws) -> bytes:
    return form(ws, "docx").read_bytes()


Case = tuple[Callable[..., bytes], str]

CASES: dict[str, Case] = {
    "zip-bombe": (
        lambda ws: rezip(docx_form(ws), add={"word/media/null.bin": b"\0" * 30_000_000}),
        "Zip-Bombe",
    ),
    "zu-viele-teile": (
        lambda ws: zip_with({f"x/{i}.xml": b"<a/>" for i in range(2100)}),
        "ungewöhnlich viele Teile",
    ),
    "pfad-hoch": (
        lambda ws: rezip(docx_form(ws), add={"../../evil.xml": b"<a/>"}),
        "unzulässigen Pfad",
    ),
    "pfad-absolut": (
        lambda ws: rezip(docx_form(ws), add={"/etc/evil.xml": b"<a/>"}),
        "unzulässigen Pfad",
    ),
    "makro": (
        lambda ws: rezip(docx_form(ws), add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
        "Makros",
    ),
    "makro-typ": (
        lambda ws: rezip(
            docx_form(ws),
            replace={
                "[Content_Types].xml": zipfile.ZipFile(io.BytesIO(docx_form(ws)))
                .read("[Content_Types].xml")
                .replace(b"document.main+xml", b"document.macroEnabled.main+xml")
            },
        ),
        "Makros",
    ),
    "externe-vorlage": (
        lambda ws: rezip(
            docx_form(ws),
            add={
                "word/_rels/settings.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                b'openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" '
                b'Target="http://127.0.0.1:9/vorlage.dotm" TargetMode="External"/></Relationships>'
            },
        ),
        "externe Verknüpfung",
    ),
    "dtd-entitaeten": (
        lambda ws: rezip(
            docx_form(ws),
            replace={
                "docProps/core.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM '
                b'"file:///etc/passwd">]><x>&e;</x>'
            },
        ),
        "Dokumenttyp-Definition",
    ),
    "kein-office": (lambda ws: zip_with({"hallo.txt": b"x"}), "weder eine Word- noch"),
    "verschluesselt": (
        lambda ws: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
        "Unbekanntes Dateiformat",
    ),
}


def xlsx_form(ws) -> bytes:
    return fill_xlsx_form(form(ws, "xlsx"), [[1, "", "inhaltlich", "x", "", ""]])


XLSX_Case = tuple[Callable[..., bytes], str]

XLSX_CASES: dict[str, Case] = {
    "zip-bombe": (
        lambda ws: rezip(xlsx_form(ws), add={"xl/media/null.bin": b"\0" * 30_000_000}),
        "Zip-Bombe",
    ),
    "pfad-hoch": (lambda ws: rezip(xlsx_form(ws), add={"../x.xml": b"<a/>"}), "unzulässigen Pfad"),
    "makro": (
        lambda ws: rezip(xlsx_form(ws), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
        "Makros",
    ),
    "dtd-entitaeten": (lambda ws: with_dtd(xlsx_form(ws), "xl/workbook.xml"), "Dokumenttyp"),
}


def with_dtd(data: bytes, part: str) -> bytes:
    """An entity expansion ("billion laughs" in small) declared in a real part of the file."""
    body = zipfile.ZipFile(io.BytesIO(data)).read(part)
    decl, _, rest = body.partition(b"?>")
    dtd = b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    return rezip(data, replace={part: decl + b"?>" + dtd + rest})


YAML_CASES: dict[str, tuple[str, str]] = {
    "python-objekt": (
        '  - rn: 1\n    anmerkung: !!python/object/apply:os.system ["id"]\n',
        "Typangaben",
    ),
    "eigener-tag": ("  - rn: 1\n    anmerkung: !geheim x\n", "Typangaben"),
    "alias": ('  - rn: 1\n    anmerkung: &a "x"\n  - rn: 2\n    anmerkung: *a\n', "Verweise"),
    "alias-bombe": (  # "billion laughs": nine levels of nine aliases each
        "  - rn: 1\n    anmerkung: x\n    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        + "".join(
            f"    l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 9)
        ),
        "Verweise",
    ),
    "tiefe": ("  - rn: 1\n    anmerkung: " + "[" * 1000 + "]" * 1000 + "\n", "verschachtelt"),
    "doppelt": ('  - rn: 1\n    rn: 2\n    anmerkung: "x"\n', "fehlerhaft"),
    "unbekannter-schluessel": (
        '  - rn: 1\n    anmerkung: "x"\n    befehl: "rm -rf /"\n',
        "unbekannter Eintrag",
    ),
    "falsche-art": ('  - rn: 1\n    art: dringend\n    anmerkung: "x"\n', "„dringend“ ist nicht"),
}


CSV_CASES: dict[str, Case] = {
    "kodierung": (lambda ws: b"Rn.;Anmerkung\n1;\x81\x8d\x9d\n", "unbekannte Zeichenkodierung"),
    "keine-spalte": (lambda ws: b"Rn.;Befehl\n1;rm -rf /\n", "keine Spalte"),
    "zu-viele-zeilen": (
        lambda ws: ("Rn.;Anmerkung\n" + "1;x\n" * (MAX_ROWS + 1)).encode(),
        f"mehr als {MAX_ROWS} Zeilen",
    ),
    "zelle-zu-lang": (
        lambda ws: ("Rn.;Anmerkung\n1;" + "x" * (MAX_CELL + 1) + "\n").encode(),
        "Text zu lang",
    ),
}


def yaml_answer(ws, entries: str) -> bytes:
    return fill_yaml_form(form(ws, "yaml"), entries)


EML_CASES: dict[str, Case] = {
    "zu-viele-anhaenge": (
        lambda ws: eml_with({f"a{i}.yaml": b"x" for i in range(MAX_ATTACHMENTS + 1)}),
        f"mehr als {MAX_ATTACHMENTS} Anhänge",
    ),
    "kein-lesbarer-anhang": (
        lambda ws: eml_with({"rueckmeldung.pdf": b"%PDF-1.7", "makro.docm": b"PK"}),
        "keinen Anhang, den lafast lesen kann",
    ),
    "feindlicher-anhang": (  # the attachment is refused on its own; the mail is not kept
        lambda ws: eml_with({"antwort.yaml": yaml_answer(ws, YAML_CASES["alias"][0])}),
        "Verweise",
    ),
    "anhang-zip-bombe": (lambda ws: eml_with({"antwort.docx": CASES["zip-bombe"][0](ws)}), "Zip"),
}


def mbox_of(*mails: bytes) -> bytes:
    return b"".join(
        b"From absender@example.org Tue Dec  1 10:00:00 2026\n" + m + b"\n" for m in mails
    )


MSG_CASES: dict[str, Case] = {
    "kaputt": (lambda ws: OLE_MAGIC + b"\0" * 4000, "lässt sich nicht lesen"),
    "kein-lesbarer-anhang": (
        lambda ws: msg_with({"rueckmeldung.pdf": b"%PDF-1.7", "makro.docm": b"PK"}),
        "keinen Anhang, den lafast lesen kann",
    ),
    "zu-viele-anhaenge": (
        lambda ws: msg_with({f"a{i}.yaml": b"x" for i in range(MAX_ATTACHMENTS + 1)}),
        f"mehr als {MAX_ATTACHMENTS} Anhänge",
    ),
    "feindlicher-anhang": (
        lambda ws: msg_with({"antwort.yaml": yaml_answer(ws, YAML_CASES["alias"][0])}),
        "Verweise",
    ),
    "zu-tief-verschachtelt": (  # a mail in a mail is opened; a mail in that one is not
        lambda ws: msg_with(
            {"wg1.msg": msg_with({"wg2.msg": msg_with({"antwort.yaml": yaml_answer(ws, "")})})}
        ),
        "keinen Anhang, den lafast lesen kann",
    ),
    "termin-statt-mail": (
        lambda ws: msg_with({"a.yaml": b"x"}, message_class="IPM.Appointment"),
        "keine E-Mail",
    ),
}

MBOX_CASES: dict[str, Case] = {
    "zu-gross": (  # the mailbox may be large; each mail in it keeps the per-file limit
        lambda ws: mbox_of(b"From: a@example.org\nSubject: gross\n\n" + b"x" * safety.MAX_FILE),
        "zu groß",
    ),
    "keine-mail": (lambda ws: b"Hallo, das ist kein Postfach.\n", "keine E-Mail"),
    "zu-viele-mails": (
        lambda ws: mbox_of(*[b"From: a@example.org\n\nx\n"] * (MAX_MESSAGES + 1)),
        f"mehr als {MAX_MESSAGES} E-Mails",
    ),
    "feindlicher-anhang": (
        lambda ws: mbox_of(eml_with({"antwort.yaml": yaml_answer(ws, YAML_CASES["alias"][0])})),
        "Verweise",
    ),
}

# every reader's own samples: case -> (make the file's bytes from the workspace, German reason)
HOSTILE: dict[str, dict[str, Case]] = {
    "docx": CASES,
    "xlsx": XLSX_CASES,
    "csv": CSV_CASES,
    "yaml": {
        case: (lambda ws, entries=entries: yaml_answer(ws, entries), reason)
        for case, (entries, reason) in YAML_CASES.items()
    },
    "eml": EML_CASES,
    "msg": MSG_CASES,
    "mbox": MBOX_CASES,
}


def container_cases(part: str) -> dict[str, Case]:
    """The attacks on any Office zip, around the part that makes it this reader's format."""
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    return {
        "zip-behaelter-bombe": (
            lambda ws: zip_with({part: b"<a/>", "media/null.bin": b"\0" * 30_000_000}),
            "Zip-Bombe",
        ),
        "zip-behaelter-pfad": (
            lambda ws: zip_with({part: b"<a/>", "../../evil.xml": b"<a/>"}),
            "unzulässigen Pfad",
        ),
        "zip-behaelter-makro": (
            lambda ws: zip_with({part: b"<a/>", "vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
            "Makros",
        ),
        "zip-behaelter-dtd": (lambda ws: zip_with({part: dtd}), "Dokumenttyp-Definition"),
    }


def battery(reader: Reader) -> dict[str, Case]:
    """What every reader must refuse, from what it declares, plus its own samples."""
    cases: dict[str, Case] = {
        "zu-gross": (lambda ws: b"\0" * (safety.MAX_FILE + 1), "zu groß"),
    }
    if reader.zip_part:
        cases.update(container_cases(reader.zip_part))
    return {**cases, **HOSTILE.get(reader.name, {})}


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.name)
def test_every_reader_has_samples(reader: Reader) -> None:
    assert HOSTILE.get(reader.name), (
        f"The intake reader „{reader.name}“ has no hostile sample files: add its cases to "
        f"HOSTILE in {Path(__file__).name} (what it must refuse, and the German reason)."
    )


@pytest.mark.parametrize(
    ("reader", "case"),
    [pytest.param(r, case, id=f"{r.name}-{case}") for r in READERS for case in sorted(battery(r))],
)
def test_hostile_input(rnd_ws, tmp_path, reader: Reader, case: str) -> None:
    make, reason = battery(reader)[case]
    assert_refused(rnd_ws, tmp_path, f"{case}{reader.file_extensions[0]}", make(rnd_ws), reason)


def test_too_large_file_is_not_even_read(rnd_ws, tmp_path) -> None:
    big = tmp_path / "riesig.yaml"
    with big.open("wb") as fh:
        fh.truncate(21 * 1024 * 1024)
    res = import_files(rnd_ws, [big], from_org="awo-sachsen", document=SAMPLE_SN)
    assert res[0].status == "abgelehnt" and "zu groß" in res[0].message
    assert not list((rnd_ws.rnd.folder / "quarantaene").glob("*.bin"))
    assert git(rnd_ws, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    "name",
    [
        "../../../etc/passwd.yaml",
        "/tmp/absolut.yaml",
        ".GIT/config.yaml",
        "rechnung\u202eexcod.yaml",
        "CON.yaml",
        "x" * 250 + ".yaml",
        "y" * 300,
        ".git",
        ".Git/hooks/post-commit.yaml",
        "..\\..\\windows\\system32.yaml",
        "NUL",
        "com1.yaml",
    ],
)
def test_file_names_are_never_paths(rnd_ws, tmp_path, name) -> None:
    data = fill_yaml_form(form(rnd_ws, "yaml"), '  - rn: 1\n    anmerkung: "x"\n')
    src = tmp_path / "datei.yaml"
    src.write_bytes(data)
    from lafast_docs.consultation.intake.importer import import_bytes

    res = import_bytes(rnd_ws, data, name)
    assert res[0].status == "importiert", res[0].message
    sub = list_submissions(rnd_ws.rnd.folder)[0]
    stored = sub.data["source"]["file"]
    assert stored.startswith("originale/awo-sachsen-1-") and stored.endswith(".yaml")
    assert "\u202e" not in sub.data["source"]["name"] and len(sub.data["source"]["name"]) <= 120
    assert git(rnd_ws, "status", "--porcelain") == ""
    assert not (rnd_ws.root.parent / "etc").exists()


def test_xlsx_with_external_link_is_refused(rnd_ws, tmp_path) -> None:
    good = fill_xlsx_form(form(rnd_ws, "xlsx"), [[1, "", "inhaltlich", "x", "", ""]])
    evil = rezip(
        good,
        add={
            "xl/externalLinks/_rels/externalLink1.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/relationships"><Relationship '
            b'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/externalLinkPath" Target="file:///etc/passwd" '
            b'TargetMode="External"/></Relationships>'
        },
    )
    assert_refused(rnd_ws, tmp_path, "extern.xlsx", evil, "externe Verknüpfung")
