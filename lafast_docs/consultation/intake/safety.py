"""Returned files are hostile until checked: sizes, zip containers, XML, YAML.

Every check raises `Rejected` (errors.py) with a German reason and fix; the caller quarantines
the file.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from lafast_docs.errors import Rejected

MAX_FILE = 20 * 1024 * 1024  # bytes of one returned file
MAX_KEPT_IN_GIT = 1024 * 1024  # a refused file above this is kept outside the git history
MAX_YAML = 2 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed per entry (zip bombs reach thousands)
MAX_DEPTH = 12  # YAML nesting
# What one Word answer may hold, counted while streaming its XML before pandoc reads it
# (pandoc needs about 1 ms per comment and far more memory than the file's size: a file with
# 100,000 comments ran for minutes and needed 1.7 GB). A real answer has tens to hundreds.
MAX_COMMENTS = 2000
MAX_CHANGES = 5000  # tracked insertions and deletions
MAX_PARAGRAPHS = 20000
CHUNK = 1024 * 1024  # bytes read at a time from a zip part
W_MAIN = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)
_EXTERNAL = re.compile(rb"<Relationship\b[^>]*>", re.I)


def check_size(data: bytes, limit: int = MAX_FILE) -> None:
    if len(data) > limit:
        raise Rejected(
            f"Die Datei ist zu groß ({len(data) / 1e6:.1f} MB, erlaubt sind {limit / 1e6:.0f} MB).",
            hint="Bitten Sie um eine kleinere Datei, z. B. ohne eingebettete Bilder.",
        )


def open_zip(data: bytes) -> zipfile.ZipFile:
    """Open an Office file after checking the container itself (before any parser sees it)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Rejected(
            "Die Datei ist beschädigt (kein gültiges Office-Dokument).",
            hint="Bitten Sie um eine neu gespeicherte Datei (.docx oder .xlsx).",
        ) from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise Rejected(
            f"Die Datei enthält ungewöhnlich viele Teile ({len(infos)}).",
            hint="Bitten Sie um eine neu gespeicherte Datei.",
        )
    total = 0
    for info in infos:
        name = info.filename
        if (
            name.startswith(("/", "\\"))
            or "\\" in name
            or re.match(r"^[A-Za-z]:", name)
            or ".." in name.split("/")
        ):
            raise Rejected(
                f"Die Datei enthält einen unzulässigen Pfad „{name[:80]}“.",
                hint="Die Datei wurde vermutlich manipuliert; nicht weiterverwenden.",
            )
        if info.flag_bits & 0x1:
            raise Rejected(
                "Die Datei ist verschlüsselt oder kennwortgeschützt.",
                hint="Bitten Sie um eine Fassung ohne Kennwort.",
            )
        total += info.file_size
        if info.file_size > MAX_UNPACKED or total > MAX_UNPACKED:
            raise Rejected(
                "Die Datei wäre entpackt zu groß (mögliche „Zip-Bombe“).",
                hint="Die Datei wurde vermutlich manipuliert; nicht weiterverwenden.",
            )
        if (
            info.compress_size
            and info.file_size / info.compress_size > MAX_RATIO
            and info.file_size > 1024 * 1024
        ):
            raise Rejected(
                "Die Datei ist ungewöhnlich stark komprimiert (mögliche „Zip-Bombe“).",
                hint="Die Datei wurde vermutlich manipuliert; nicht weiterverwenden.",
            )
        lower = name.lower()
        if lower.endswith("vbaproject.bin") or (lower.endswith(".bin") and "vba" in lower):
            raise Rejected(
                "Die Datei enthält Makros.",
                hint="Bitten Sie darum, sie als .docx bzw. .xlsx ohne Makros zu speichern.",
            )
    return zf


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes in pieces of `CHUNK`, never the whole part in memory at once."""
    with zf.open(info) as fh:
        while piece := fh.read(CHUNK):
            yield piece


def _has_doctype(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    tail = b""
    for piece in _chunks(zf, info):
        if _DOCTYPE.search(tail + piece):
            return True
        tail = piece[-64:]  # a declaration split between two pieces
    return False


def check_office_parts(zf: zipfile.ZipFile) -> None:
    """No DTDs or entities in any XML part; no external relationships except hyperlinks;
    no macro-enabled content types. Parts are read piece by piece (streaming)."""
    for info in zf.infolist():
        lower = info.filename.lower()
        if not (lower.endswith(".xml") or lower.endswith(".rels")):
            continue
        if _has_doctype(zf, info):
            raise Rejected(
                f"Die Datei enthält eine Dokumenttyp-Definition ({info.filename}).",
                hint="Die Datei wurde vermutlich manipuliert; nicht weiterverwenden.",
            )
        if not (lower == "[content_types].xml" or lower.endswith(".rels")):
            continue
        raw = zf.read(info)  # small parts: the package's lists of types and relations
        if lower == "[content_types].xml" and b"macroEnabled" in raw:
            raise Rejected(
                "Die Datei ist ein Dokument mit Makros.",
                hint="Bitte als .docx bzw. .xlsx ohne Makros speichern lassen.",
            )
        if lower.endswith(".rels"):
            for rel in _EXTERNAL.findall(raw):
                if b'TargetMode="External"' in rel and HYPERLINK.encode() not in rel:
                    raise Rejected(
                        "Die Datei lädt Inhalte aus dem Netz oder von anderen "
                        "Dateien nach (externe Verknüpfung).",
                        hint="Bitten Sie um eine Fassung ohne verknüpfte Vorlagen oder Objekte.",
                    )


def check_word_counts(zf: zipfile.ZipFile) -> None:
    """Count comments, tracked changes and paragraphs of a Word file by streaming its XML
    (expat, no tree is built) and stop at the first limit passed, before pandoc reads it."""
    limits = {
        "word/comments.xml": {"comment": (MAX_COMMENTS, "Kommentare")},
        "word/document.xml": {
            "ins": (MAX_CHANGES, "nachverfolgte Änderungen"),
            "del": (MAX_CHANGES, "nachverfolgte Änderungen"),
            "p": (MAX_PARAGRAPHS, "Absätze"),
        },
    }
    names = set(zf.namelist())
    for part, wanted in limits.items():
        if part in names:
            _count_elements(zf, zf.getinfo(part), wanted)


def _count_elements(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, wanted: dict[str, tuple[int, str]]
) -> None:
    import xml.parsers.expat

    counts: dict[str, int] = {}

    def start(name: str, _attrs: Any) -> None:
        ns, _, local = name.rpartition("}")
        if ns != W_MAIN or local not in wanted:
            return
        limit, label = wanted[local]
        counts[label] = counts.get(label, 0) + 1
        if counts[label] > limit:
            raise Rejected(
                f"Die Word-Datei enthält mehr als {limit:,} {label}".replace(",", ".")
                + " – mehr, als lafast aus einer Rückmeldung einliest.",
                hint="Bitten Sie darum, die Rückmeldung auf mehrere Dateien aufzuteilen, oder "
                "prüfen Sie, ob die Datei manipuliert wurde.",
            )

    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    try:
        for piece in _chunks(zf, info):
            parser.Parse(piece, False)
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as exc:
        raise Rejected(
            f"Die Datei enthält fehlerhaftes XML ({info.filename}, Zeile {exc.lineno}).",
            hint="Bitten Sie um eine neu gespeicherte Datei.",
        ) from exc


def parse_xml(raw: bytes) -> Any:
    """lxml without DTDs, entities or network."""
    from lxml import etree

    if _DOCTYPE.search(raw):
        raise Rejected("XML mit Dokumenttyp-Definition ist nicht erlaubt.")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        return etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise Rejected(f"Die Datei enthält fehlerhaftes XML: {exc}") from exc


def check_yaml_events(text: str) -> None:
    """Plain YAML only: no tags (`!!python/object`), anchors or aliases, bounded nesting."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent

    depth = 0
    try:
        for ev in YAML(typ="safe").parse(text):
            if isinstance(ev, AliasEvent) or (isinstance(ev, NodeEvent) and ev.anchor):
                raise Rejected(_at(ev, "Verweise (& und *) sind in Rückmeldungen nicht erlaubt."))
            tag = getattr(ev, "tag", None)  # the parser reports only tags written in the file
            if tag:
                raise Rejected(_at(ev, f"Typangaben wie „{tag}“ sind nicht erlaubt."))
            if isinstance(ev, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise Rejected(_at(ev, "Die Angaben sind zu tief verschachtelt."))
            elif isinstance(ev, CollectionEndEvent):
                depth -= 1
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (Zeile {mark.line + 1})" if mark is not None else ""
        raise Rejected(
            f"Die YAML-Datei ist fehlerhaft{where}: {getattr(exc, 'problem', '') or exc}",
            hint="Prüfen Sie Einrückung und Anführungszeichen in dieser Zeile.",
        ) from exc


def _at(ev: Any, message: str) -> str:
    mark = getattr(ev, "start_mark", None)
    return f"Zeile {mark.line + 1}: {message}" if mark is not None else message
