"""The consultation's data: a round (`Round`), comments as read from a returned file
(`RawSubmission`, made by an intake `Reader`) and as stored (a schema-checked dict).

Stored submissions are YAML files in the format `lafast-submission/1`, validated against
`schemas/submission.schema.json` before every write.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs.errors import Problem, SchemaViolation
from lafast_docs.external import resources

SUBMISSION_FORMAT = "lafast-submission/1"
KINDS = ("grundsaetzlich", "inhaltlich", "redaktionell")
CONSENTS = ("oeffentlich", "anonymisiert", "intern")
CONSENT_TAG = "lafast-einwilligung"  # the tag of the consent drop-down in the Word form
# how the Word and Excel forms offer the consent (first word decides when read back)
CONSENT_LABELS = {
    "intern": "intern – nur für die Fachstelle und die Gremien",
    "anonymisiert": "anonymisiert – veröffentlichen ohne Namen der Organisation",
    "oeffentlich": "öffentlich – veröffentlichen mit Namen der Organisation",
}
KIND_NAMES = {
    "grundsaetzlich": "grundsätzlich",
    "inhaltlich": "inhaltlich",
    "redaktionell": "redaktionell",
}


ROUND_FORMAT = "lafast-runde/1"


@dataclass
class Round:
    """One consultation round of a document, as kept in `comments/<slug>/runde-N/runde.yaml`."""

    slug: str
    id: str  # "runde-1"
    number: int
    version: str
    commit: str
    tag: str
    opened: dt.date
    deadline: dt.date
    invitees: list[str]
    closed: dt.date | None = None
    folder: Path = field(default=Path())

    @property
    def is_open(self) -> bool:
        return self.closed is None

    def as_data(self) -> dict[str, Any]:
        return {
            "format": ROUND_FORMAT,
            "document": self.slug,
            "round": self.id,
            "number": self.number,
            "version": self.version,
            "tag": self.tag,
            "opened": self.opened,
            "deadline": self.deadline,
            "closed": self.closed,
            "invitees": list(self.invitees),
        }


@dataclass
class RawComment:
    """One comment or proposed change as found in a returned file, before anchoring."""

    text: str = ""
    kind: str = ""
    quote: str = ""  # the commented or changed text, exactly as in the consulted version
    prefix: str = ""
    suffix: str = ""
    rn: int | None = None
    section: str = ""
    proposal: tuple[str, str] | None = None  # (old, new); insertion: old == ""
    rationale: str = ""
    author: str = ""
    date: str = ""
    replies: list[dict[str, str]] = field(default_factory=list)
    origin: str = ""


@dataclass
class RawSubmission:
    """What every intake reader returns: the comments of one returned file, and what the file
    says about itself (document, round, sender, consent)."""

    format: str  # the reader's name (intake/registry.py), kept as the stored `source.format`
    comments: list[RawComment]
    document: str = ""
    round: str = ""
    org: str = ""
    version: str = ""
    consent: str = ""
    contact: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # notes on empty rows etc.


@dataclass
class Envelope:
    """What a container (an e-mail) holds: files to import one by one, and who sent them."""

    via: str  # how the files arrived, kept with each submission
    contact: dict[str, str]
    attachments: list[tuple[str, bytes]]  # (file name as sent, content)
    tag: str  # the kept container is named `<first submission>-<tag>-<sha>.<extension>`
    message_id: str = ""  # a mail's Message-ID: each mail is imported once
    refs: tuple[str, ...] = ()  # In-Reply-To, then References newest first: whose reply
    date: str = ""
    body: str = ""  # the writer's own text (quotes and signature cut off)


@dataclass(frozen=True)
class Reader:
    """One intake format, registered in intake/registry.py (pelican's readers, in small).

    A reader either `read`s a file into a `RawSubmission`, or `unpack`s a container into an
    `Envelope` of files for the other readers (then it is given the readers an attachment may
    be for). It is recognised by its Office zip part (`zip_part`; the zip is checked by
    `safety` first), else by its file extension, else by its first 2 KB (`sniff`)."""

    name: str  # docx, xlsx, … : the stored `source.format`
    label: str  # how the office calls it: Word, Excel, …
    file_extensions: tuple[str, ...]  # the first one is named in hints
    content_types: tuple[str, ...]  # MIME types of such files
    read: Callable[[bytes], RawSubmission] | None = None
    unpack: Callable[[bytes, Sequence[Reader]], Envelope] | None = None
    zip_part: str = ""
    sniff: re.Pattern[str] | None = None
    advice: str = ""  # added to the hint for an unknown format
    magic: bytes = b""  # how a binary file of this format begins (tried before `sniff`)
    split: Callable[[Path], Iterator[tuple[str, bytes]]] | None = None  # a mailbox: its mails


def accepted(readers: Sequence[Reader], conjunction: str) -> str:
    """The readers' first extensions as a German list: ".docx, .xlsx, .csv und .yaml"."""
    names = [r.file_extensions[0] for r in readers]
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1] if len(names) > 1 else names[0]


def normalise_consent(value: Any) -> str:
    """ "öffentlich – …", "Anonymisiert", "oeffentlich" -> the consent key ("" if unknown)."""
    words = str(value or "").strip().lower().replace("ö", "oe").split()
    first = words[0].strip("–-:,.") if words else ""
    return first if first in CONSENTS else ""


def normalise_kind(value: Any) -> str:
    text = str(value or "").strip().lower().replace("ä", "ae")
    return text if text in KINDS else ""


@functools.cache
def schema(name: str) -> dict[str, Any]:
    path = resources.data_dir() / "schemas" / name
    return json.loads(path.read_text("utf-8"))


@functools.cache
def _validator(schema_name: str) -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(schema(schema_name))


def validate(data: Any, schema_name: str) -> list[str]:
    """Problems of `data` against a shipped JSON Schema, as readable German-ish paths."""
    validator = _validator(schema_name)
    problems = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(Datei)"
        problems.append(f"{where}: {_german(err)}")
    return problems


def _german(err: Any) -> str:
    v = err.validator
    if v == "required":
        return f"Pflichtangabe fehlt ({err.message.split(' ')[0]})"
    if v == "additionalProperties":
        return f"unbekannter Eintrag ({err.message.split('(')[-1].rstrip(')')})"
    if v in ("type",):
        return f"falsche Art von Wert: {err.instance!r:.60} (erwartet: {err.validator_value})"
    if v in ("enum", "const"):
        allowed = err.validator_value if v == "enum" else [err.validator_value]
        return (
            f"„{err.instance}“ ist nicht erlaubt (möglich: "
            + ", ".join(str(a) for a in allowed if a is not None)
            + ")"
        )
    if v == "maxLength":
        return f"Text zu lang (höchstens {err.validator_value} Zeichen)"
    if v in ("minimum", "maximum"):
        return f"Zahl {err.instance} außerhalb des erlaubten Bereichs"
    if v == "pattern":
        return f"„{err.instance!s:.60}“ hat nicht die erwartete Form"
    if v == "maxItems":
        return f"zu viele Einträge (höchstens {err.validator_value})"
    return err.message


def require_valid(data: Any, schema_name: str, *, what: str) -> None:
    problems = validate(data, schema_name)
    if problems:
        raise SchemaViolation(
            f"{what} entspricht nicht dem Format:", problems=[Problem(p) for p in problems[:20]]
        )


def _code_at(org_id: str, level: int) -> str:
    """The organisation's code at a level of detail: 0 the first word (AWO), 1 with the
    initials of the other words (AWOS), 2… with more and more of them (DIAKONIEDR), then
    numbered (DIAKONIE2)."""
    parts = [p for p in re.sub(r"[^a-z0-9-]", "", org_id.lower()).split("-") if p] or ["org"]
    first, rest = parts[0].upper()[:10], [p.upper() for p in parts[1:]]
    if level == 0:
        return first
    if level == 1:
        return first + "".join(p[0] for p in rest)
    joined = "".join(rest)
    if level <= len(joined):
        return first + joined[:level]
    return first + joined + str(level - len(joined) + 1)


def org_codes(org_ids: Sequence[str]) -> dict[str, str]:
    """A readable code per organisation, different for every one of them: each starts with
    its first word and takes more of the others only while it shares its code with another
    (awo-sachsen and awo-leipzig: AWOS and AWOL; lk-meissen and lk-mittelsachsen: LKME and
    LKMI). The same ids always give the same codes."""
    ids = sorted(set(org_ids))
    level = dict.fromkeys(ids, 0)
    while True:
        codes = {o: _code_at(o, level[o]) for o in ids}
        holders: dict[str, list[str]] = {}
        for o, code in codes.items():
            holders.setdefault(code, []).append(o)
        clashing = [o for group in holders.values() if len(group) > 1 for o in group]
        if not clashing:
            return codes
        for o in clashing:
            level[o] += 1


@functools.lru_cache(maxsize=4)
def _codes_of(org_ids: frozenset[str]) -> dict[str, str]:
    """`org_codes` of a set of organisations, kept: an import of answers from hundreds of
    organisations asks for the same address book's codes once per answer."""
    return org_codes(sorted(org_ids))


def org_code(
    org_id: str, all_org_ids: Sequence[str], used: dict[str, set[str]] | None = None
) -> str:
    """The code of `org_id` in a document's comment ids. `used` maps the codes the document's
    ids already carry to the organisations that wrote them: an organisation keeps the code it
    has (ids never change), unless another one shares it (ids from before codes were made
    unique); a new code is never one that another organisation already has."""
    used = used or {}
    mine = [code for code, orgs in used.items() if orgs == {org_id}]
    if mine:
        return sorted(mine, key=lambda c: (len(c), c))[0]
    code = _codes_of(frozenset([*all_org_ids, org_id]))[org_id]
    base, n = code, 1
    while used.get(code, {org_id}) != {org_id}:
        n += 1
        code = f"{base}{n}"
    return code


def doc_code(slug: str) -> str:
    """MF for mindeststandards-fsa, SVU for stellungnahme-verordnung-unterbringung."""
    parts = slug.split("-")
    if len(parts) == 1:
        return slug[:3].upper()
    return "".join(p[0] for p in parts)[:4].upper()
