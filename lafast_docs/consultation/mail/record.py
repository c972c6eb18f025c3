"""What was prepared and sent in a round: `comments/<slug>/runde-N/versand.yaml`.

One entry per message: kind, organisation, address, subject, Message-ID, the attached files
(name and SHA-256), when it was prepared as a draft, when it was sent, and the last error.
`consult status` reads „eingeladen am …, erinnert am …“ from here; a re-run looks here so that
nothing is sent twice by accident; `comments import` matches a reply's In-Reply-To here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs.errors import DraftError
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write

RECORD_FILE = "versand.yaml"
RECORD_FORMAT = "lafast-versand/1"
HEAD = "# Versand dieser Runde – von lafast geschrieben, bitte nicht von Hand ändern.\n"


@dataclass
class Entry:
    kind: str
    org: str
    to: str
    subject: str
    message_id: str
    files: list[dict[str, str]] = field(default_factory=list)
    prepared: str = ""  # when the draft (.eml) was written
    sent: str = ""  # when the server accepted it
    error: str = ""  # the last failure, kept until it is sent
    by_hand: bool = False  # sent from the mail program (the draft), as staff said

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "art": self.kind,
            "org": self.org,
            "an": self.to,
            "betreff": self.subject,
            "message_id": self.message_id,
            "dateien": self.files,
        }
        for key, value in (("vorbereitet", self.prepared), ("gesendet", self.sent)):
            if value:
                data[key] = value
        if self.error:
            data["fehler"] = self.error
        if self.by_hand:
            data["von_hand"] = True
        return data


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def file_list(paths: list[Path]) -> list[dict[str, str]]:
    return [{"name": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in paths]


def load(folder: Path) -> list[Entry]:
    path = folder / RECORD_FILE
    if not path.is_file():
        return []
    data = yamlio.load(path.read_text("utf-8"), path=path, error=DraftError, fast=True) or {}
    out = []
    for item in data.get("nachrichten") or []:
        out.append(
            Entry(
                str(item.get("art", "")),
                str(item.get("org", "")),
                str(item.get("an", "")),
                str(item.get("betreff", "")),
                str(item.get("message_id", "")),
                [dict(f) for f in item.get("dateien") or []],
                str(item.get("vorbereitet") or ""),
                str(item.get("gesendet") or ""),
                str(item.get("fehler") or ""),
                bool(item.get("von_hand")),
            )
        )
    return out


def save(folder: Path, entries: list[Entry]) -> Path:
    path = folder / RECORD_FILE
    data = {"format": RECORD_FORMAT, "nachrichten": [e.as_data() for e in entries]}
    atomic_write(path, HEAD + yamlio.dump(data, fast=True))
    return path


def latest(entries: list[Entry], kind: str, org: str) -> Entry | None:
    """The newest entry of `kind` to `org` (prepared or sent)."""
    mine = [e for e in entries if e.kind == kind and e.org == org]
    return mine[-1] if mine else None


def sent_dates(entries: list[Entry], kind: str, org: str) -> list[str]:
    """The days (JJJJ-MM-TT) on which messages of `kind` went to `org`."""
    return [e.sent[:10] for e in entries if e.kind == kind and e.org == org and e.sent]


def normal_id(message_id: str) -> str:
    """A Message-ID as compared: without angle brackets, spaces (folding) and case."""
    return message_id.strip().strip("<>").strip().lower()


def by_message_id(entries: list[Entry]) -> dict[str, Entry]:
    return {normal_id(e.message_id): e for e in entries if e.message_id}
