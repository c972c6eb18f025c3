"""The intake formats: which readers exist, how a returned file is recognised, how it is read.

A new format is one reader module ending in `READER = Reader(...)` (consultation/model.py) and
one entry in `READERS` below. Detection, dispatch, the attachments an e-mail may carry, the
hints that name the accepted formats and the hostile-input battery
(tests/security/test_intake_hostile.py) all follow from this list.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lafast_docs.consultation.intake import docx, eml, mailboxes, msg, safety, table, yaml
from lafast_docs.consultation.model import Envelope, RawSubmission, Reader, accepted
from lafast_docs.errors import Rejected

# The order is the order in which hints name the formats.
READERS: tuple[Reader, ...] = (
    docx.READER,
    table.XLSX,
    table.CSV,
    yaml.READER,
    eml.READER,
    msg.READER,
    mailboxes.MBOX,
)
ZIP_MAGIC = b"PK\x03\x04"


def reader(fmt: str) -> Reader:
    for r in READERS:
        if r.name == fmt:
            return r
    raise AssertionError(fmt)


def attachable(*, nested: bool = False) -> tuple[Reader, ...]:
    """What a container may carry: the forms' formats, and with `nested` also a mail (a mail
    forwarded as an attachment, opened one level deep); never a mailbox."""
    return tuple(r for r in READERS if r.split is None and (nested or r.unpack is None))


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
    named = any(lower.endswith(r.file_extensions) for r in READERS)  # e.g. an encrypted .docx
    for r in READERS:
        if r.magic and data.startswith(r.magic) and not named:
            return r.name
    head = data[:2048].decode("utf-8", "replace")
    # a mailbox before a mail (an mbox holds "From:" lines too), containers before forms
    for r in sorted(READERS, key=lambda r: (r.split is None, r.unpack is None)):
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


def unpack(fmt: str, data: bytes, *, nested: bool = True) -> Envelope:
    """Open a container (an e-mail) and take out the files the other readers accept (with
    `nested`, a forwarded mail too)."""
    r = reader(fmt)
    assert r.unpack is not None, f"{fmt} is not a container: read it"
    return r.unpack(data, attachable(nested=nested))


def split(fmt: str, path: Path) -> Iterator[tuple[str, bytes]]:
    """The mails of a mailbox file, one by one (name, bytes)."""
    r = reader(fmt)
    assert r.split is not None, f"{fmt} is not a mailbox"
    return r.split(path)


def _allowed() -> str:
    return f"Erlaubt sind {accepted(READERS, 'und')}."


def mailbox(path: Path) -> Iterator[tuple[str, bytes]] | None:
    """The mails of `path` if it is a mailbox (a Maildir folder, an mbox file), else None."""
    if mailboxes.is_maildir(path):
        return mailboxes.split_maildir(path)
    if path.is_dir():
        return None
    with path.open("rb") as fh:
        head = fh.read(2048)
    for r in READERS:
        if r.split is not None and (
            path.name.lower().endswith(r.file_extensions)
            or (r.sniff is not None and r.sniff.search(head.decode("utf-8", "replace")))
        ):
            return r.split(path)
    return None
