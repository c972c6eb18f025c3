"""The intake formats: which readers exist, how a returned file is recognised, how it is read.

A new format is one reader module ending in `READER = Reader(...)` (consultation/model.py) and
one entry in `READERS` below. Detection, dispatch, the attachments an e-mail may carry, the
hints that name the accepted formats and the hostile-input battery
(tests/security/test_intake_hostile.py) all follow from this list.
"""

from __future__ import annotations

from pathlib import Path

from lafast_docs.consultation.intake import docx, eml, safety, table, yaml
from lafast_docs.consultation.model import Envelope, RawSubmission, Reader, accepted
from lafast_docs.errors import Rejected

# The order is the order in which hints name the formats.
READERS: tuple[Reader, ...] = (docx.READER, table.XLSX, table.CSV, yaml.READER, eml.READER)
ZIP_MAGIC = b"PK\x03\x04"


def reader(fmt: str) -> Reader:
    for r in READERS:
        if r.name == fmt:
            return r
    raise AssertionError(fmt)


def attachable() -> tuple[Reader, ...]:
    """What a container may carry: every format except containers (no mail in a mail)."""
    return tuple(r for r in READERS if r.unpack is None)


def detect(data: bytes, name: str) -> str:
    """The format of a returned file: an Office zip by the part inside it, else by the file's
    extension, else by its first 2 KB (containers tried first: a mail may quote a form)."""
    if data[:4] == ZIP_MAGIC:
        names = set(safety.open_zip(data).namelist())
        zipped = [r for r in READERS if r.zip_part]
        for r in zipped:
            if r.zip_part in names:
                return r.name
        raise Rejected(
            "Das ist weder " + " noch ".join(f"eine {r.label}-" for r in zipped) + "Datei.",
            hint=_allowed(),
        )
    lower = name.lower()
    for r in READERS:
        if not r.zip_part and lower.endswith(r.file_extensions):
            return r.name
    head = data[:2048].decode("utf-8", "replace")
    for r in sorted(READERS, key=lambda r: r.unpack is None):
        if r.sniff is not None and r.sniff.search(head):
            return r.name
    raise Rejected(
        f"Unbekanntes Dateiformat „{Path(name).suffix or name}“.",
        hint=" ".join([_allowed(), *(r.advice for r in READERS if r.advice)]),
    )


def read(fmt: str, data: bytes) -> RawSubmission:
    """Read a file of a detected format; an Office zip's parts are checked first."""
    r = reader(fmt)
    assert r.read is not None, f"{fmt} is a container: unpack it"
    if r.zip_part:
        safety.check_office_parts(safety.open_zip(data))
    return r.read(data)


def unpack(fmt: str, data: bytes) -> Envelope:
    """Open a container (an e-mail) and take out the files the other readers accept."""
    r = reader(fmt)
    assert r.unpack is not None, f"{fmt} is not a container: read it"
    return r.unpack(data, attachable())


def _allowed() -> str:
    return f"Erlaubt sind {accepted(READERS, 'und')}."
