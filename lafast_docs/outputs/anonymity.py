"""Neutral names for outputs that leave the office.

An organisation that answered with the consent „anonymisiert“ appears as „Träger A“ or
„Gremium B“. In a public output (`public=True`) that is not enough: its comment ids
(`CARITAS-SZND-002`) name it too, and so can its own words. There every id of an anonymised
submission becomes a neutral one (`T-A-1`: Träger A, first comment; stable within one
document), and every string that identifies the organisation — its id, its name (address book
and form), its e-mail, its contact person and the authors of its Word comments — is replaced in
every text, wherever it stands (a reason, a proposal, a „Doppelung von …“).

One `Anonymity` is built per output from the comments it shows; the products pass every cell
through `scrub` and the submitter through `who`. Internal outputs keep the real ids.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import ORG_TYPE_NAMES

ANONYMOUS = "anonymisiert"
MIN_SECRET = 3  # shorter strings would blank out ordinary words


def letters(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: never two organisations with one alias."""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = string.ascii_uppercase[rest] + out
    return out


@dataclass
class Anonymity:
    """Aliases of anonymised organisations and, for public outputs, the neutral comment ids and
    the identifying strings to replace."""

    public: bool
    aliases: dict[str, str] = field(default_factory=dict)  # org id -> "Träger A"
    ids: dict[str, str] = field(default_factory=dict)  # comment id -> "T-A-1"
    secrets: dict[str, str] = field(default_factory=dict)  # lower-case string -> replacement
    _pattern: re.Pattern[str] | None = None

    def who(self, sub: Any) -> str:
        """The submitter as an output names it: the alias for an anonymised submission."""
        if sub.data.get("consent") == ANONYMOUS and sub.org in self.aliases:
            return self.aliases[sub.org]
        return str(sub.data.get("org_name") or sub.org)

    def comment_id(self, comment_id: str) -> str:
        return self.ids.get(comment_id, comment_id) if self.public else comment_id

    def scrub(self, text: str) -> str:
        """`text` without anything that identifies an anonymised organisation (public only)."""
        if not self.public or not text or self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self.secrets[m.group(0).lower()], text)

    def scrub_all(self, entry: dict[str, str]) -> dict[str, str]:
        return {k: self.scrub(v) if isinstance(v, str) else v for k, v in entry.items()}

    def _add_secret(self, value: object, replacement: str) -> None:
        text = " ".join(str(value or "").split())
        if len(text) >= MIN_SECRET:
            self.secrets.setdefault(text.lower(), replacement)


def anonymity(
    ws: Workspace, comments: Iterable[tuple[Any, dict[str, Any]]], *, public: bool
) -> Anonymity:
    """The aliases for the (submission, comment) pairs an output shows, in their order."""
    anon = Anonymity(public)
    counts: dict[str, int] = {}
    per_kind: dict[str, int] = {}
    for sub, c in comments:
        if sub.data.get("consent") != ANONYMOUS:
            continue
        if sub.org not in anon.aliases:
            org = ws.config.org(sub.org)
            kind = ORG_TYPE_NAMES.get(org.type if org else "traeger", "Träger")
            letter = letters(per_kind.get(kind, 0))
            per_kind[kind] = per_kind.get(kind, 0) + 1
            anon.aliases[sub.org] = f"{kind} {letter}"
        alias = anon.aliases[sub.org]
        counts[sub.org] = counts.get(sub.org, 0) + 1
        kind, letter = alias.split(" ", 1)
        anon.ids.setdefault(c["id"], f"{kind[0]}-{letter}-{counts[sub.org]}")
        if public:
            _collect_secrets(anon, ws, sub, c, alias)
    if public:
        for cid, neutral in anon.ids.items():
            anon.secrets[cid.lower()] = neutral
        if anon.secrets:
            alternatives = sorted(anon.secrets, key=len, reverse=True)
            anon._pattern = re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(s) for s in alternatives) + r")(?!\w)",
                re.IGNORECASE,
            )
    return anon


def _collect_secrets(
    anon: Anonymity, ws: Workspace, sub: Any, c: dict[str, Any], alias: str
) -> None:
    person = "[Name entfernt]"
    org = ws.config.org(sub.org)
    for value in (sub.org, sub.data.get("org_name"), org.name if org else ""):
        anon._add_secret(value, alias)
    contact = sub.data.get("contact") or {}
    for value in (
        org.email if org else "",
        contact.get("email"),
        contact.get("phone"),
    ):
        anon._add_secret(value, "[Kontakt entfernt]")
    for value in (org.contact if org else "", contact.get("name"), c.get("author")):
        anon._add_secret(value, person)
