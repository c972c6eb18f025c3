"""The configuration `lafast.yaml`: its model, loading and validation in one pass, the default file.

The workspace itself is `workspace.py`; editing the address book is `addressbook.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lafast_docs.errors import ConfigError, Problem
from lafast_docs.storage import yamlio
from lafast_docs.workspace.mailconfig import MailSettings, validate_mail
from lafast_docs.workspace.slugs import SLUG_RE

CONFIG_NAME = "lafast.yaml"
CONFIG_FORMAT = 1
DOC_TYPES = ("fachstandard", "stellungnahme")
DOC_TYPE_NAMES = {"fachstandard": "Fachstandard", "stellungnahme": "Stellungnahme"}
DOC_TYPE_PLURALS = {"fachstandard": "Fachstandards", "stellungnahme": "Stellungnahmen"}
# "zu" with the article each type needs: der Fachstandard, die Stellungnahme
DOC_TYPE_ZU = {"fachstandard": "zum Fachstandard", "stellungnahme": "zur Stellungnahme"}
ORG_TYPES = ("traeger", "gremium")
ORG_TYPE_NAMES = {"traeger": "Träger", "gremium": "Gremium"}
EMAIL_RE = re.compile(r"\A[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+\Z")  # whole string
TOP_KEYS = (
    "format",
    "organisation",
    "roles",
    "people",
    "document_types",
    "address_book",
    "remote",
    "signing",
    "mail",
)
GIT_SIGNING = ("ssh", "openpgp", "none")


@dataclass(frozen=True)
class Org:
    id: str
    name: str
    type: str
    email: str = ""
    contact: str = ""


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    roles: tuple[str, ...]
    email: str = ""


@dataclass(frozen=True)
class SigningPolicy:
    """What lafast.yaml asks for. Keys and trust lists are local (keyring.py), never here."""

    git: str = "none"  # "ssh" or "openpgp": approvals must be signed git tags
    pdf: bool = False  # final PDFs must carry a digital signature


@dataclass
class Config:
    path: Path
    org_name: str = ""
    org_short: str = ""
    org_address: str = ""
    org_website: str = ""
    funding_note: str = ""
    roles: dict[str, str] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)
    approvers: dict[str, list[str]] = field(default_factory=dict)
    consensus: dict[str, list[str]] = field(default_factory=dict)  # type -> required Gremien
    orgs: list[Org] = field(default_factory=list)
    remote: str = ""
    signing: SigningPolicy = field(default_factory=SigningPolicy)
    mail: MailSettings = field(default_factory=MailSettings)

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def holders(self, role: str) -> list[Person]:
        return [p for p in self.people if role in p.roles]

    def org(self, org_id: str) -> Org | None:
        return next((o for o in self.orgs if o.id == org_id), None)


def load_config(path: Path) -> Config:
    """Read and validate lafast.yaml; every problem is collected, then one ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{CONFIG_NAME} kann nicht gelesen werden: {exc}", path=path) from exc
    # Fast read first; only when something is wrong, read again with line numbers to say where.
    data = yamlio.load(text, path=path, error=ConfigError, fast=True)
    problems: list[Problem] = []
    cfg = Config(path=path)
    _validate(cfg, data, problems)
    if problems:
        problems = []
        _validate(Config(path=path), yamlio.load(text, path=path, error=ConfigError), problems)
        raise ConfigError(
            f"{CONFIG_NAME} enthält {len(problems)} Fehler:",
            problems=problems,
            hint=f"Korrigieren Sie die genannten Zeilen in {path} und rufen Sie den Befehl "
            "erneut auf.",
        )
    return cfg


def _validate(cfg: Config, data: Any, problems: list[Problem]) -> None:
    path = cfg.path

    def bad(msg: str, node: Any = None, key: Any = None) -> None:
        problems.append(Problem(msg, path, yamlio.line_of(node, key) if node is not None else None))

    if not isinstance(data, dict):
        bad("Die Datei muss aus Schlüssel-Wert-Paaren bestehen (z. B. „organisation:“).")
        return
    for key in data:
        if key not in TOP_KEYS:
            bad(f"Unbekannter Eintrag „{key}“ (erlaubt: {', '.join(TOP_KEYS)}).", data, key)
    if data.get("format", CONFIG_FORMAT) != CONFIG_FORMAT:
        bad(f"„format“ muss {CONFIG_FORMAT} sein.", data, "format")

    org = data.get("organisation")
    if not isinstance(org, dict) or not _text(org.get("name")):
        bad(
            "„organisation“ braucht mindestens „name:“ (Name der Fachstelle).",
            data,
            "organisation" if "organisation" in data else None,
        )
    else:
        cfg.org_name = str(org["name"])
        cfg.org_short = _text(org.get("short_name"))
        cfg.org_address = _text(org.get("address"))
        cfg.org_website = _text(org.get("website"))
        if cfg.org_website and not is_link(cfg.org_website):
            bad(
                f"„organisation: website: {cfg.org_website[:80]}“ ist keine erlaubte Adresse: "
                "erlaubt sind nur https://…, http://… und mailto:….",
                org,
                "website",
            )
            cfg.org_website = ""
        cfg.funding_note = _text(org.get("funding_note"))

    roles = data.get("roles") or {}
    if not isinstance(roles, dict):
        bad("„roles“ muss eine Liste „kurzname: Bezeichnung“ sein.", data, "roles")
        roles = {}
    for rid, label in roles.items():
        if not isinstance(rid, str) or not SLUG_RE.match(rid):
            bad(f"Rolle „{rid}“: Kurzname nur aus a–z, 0–9 und Bindestrichen.", roles, rid)
        cfg.roles[str(rid)] = _text(label) or str(rid)

    people = data.get("people") or []
    if not isinstance(people, list):
        bad("„people“ muss eine Liste sein (jede Person mit „- id: …“).", data, "people")
        people = []
    seen: set[str] = set()
    for entry in people:
        if not isinstance(entry, dict):
            bad("Jede Person braucht „id“, „name“ und „roles“.", people)
            continue
        pid, name = _text(entry.get("id")), _text(entry.get("name"))
        if not SLUG_RE.match(pid):
            bad(
                f"Person „{pid or name}“: „id“ fehlt oder ist kein Kurzname (z. B. jana-beispiel).",
                entry,
            )
        elif pid in seen:
            bad(f"Person „{pid}“ steht doppelt.", entry)
        seen.add(pid)
        if not name:
            bad(f"Person „{pid}“: „name“ fehlt.", entry)
        proles = entry.get("roles") or []
        if not isinstance(proles, list):
            bad(f"Person „{pid}“: „roles“ muss eine Liste sein, z. B. [leitung].", entry, "roles")
            proles = []
        for r in proles:
            if str(r) not in cfg.roles:
                bad(
                    f"Person „{pid}“: Rolle „{r}“ ist unter „roles“ nicht definiert.",
                    entry,
                    "roles",
                )
        email = _text(entry.get("email"))
        if email and not EMAIL_RE.match(email):
            bad(f"Person „{pid}“: „{email}“ ist keine gültige E-Mail-Adresse.", entry, "email")
        cfg.people.append(Person(pid, name, tuple(str(r) for r in proles), email))

    types = data.get("document_types") or {}
    if not isinstance(types, dict):
        bad("„document_types“ muss je Dokumenttyp einen Abschnitt haben.", data, "document_types")
        types = {}
    for tname, tconf in types.items():
        if tname not in DOC_TYPES:
            bad(
                f"Unbekannter Dokumenttyp „{tname}“ (bekannt: {', '.join(DOC_TYPES)}).",
                types,
                tname,
            )
            continue
        approvers = (tconf or {}).get("approvers", []) if isinstance(tconf, dict) else None
        if not isinstance(approvers, list):
            bad(f"{tname}: „approvers“ muss eine Liste von Rollen sein.", types, tname)
            continue
        for r in approvers:
            if str(r) not in cfg.roles:
                bad(
                    f"{tname}: Freigabe-Rolle „{r}“ ist unter „roles“ nicht definiert.",
                    tconf,
                    "approvers",
                )
        cfg.approvers[str(tname)] = [str(r) for r in approvers]
        needs = tconf.get("consensus", []) if isinstance(tconf, dict) else []
        if not isinstance(needs, list):
            bad(f"{tname}: „consensus“ muss eine Liste von Gremien sein.", tconf, "consensus")
            needs = []
        cfg.consensus[str(tname)] = [str(g) for g in needs]

    book = data.get("address_book") or []
    if not isinstance(book, list):
        bad(
            "„address_book“ muss eine Liste sein (jede Organisation mit „- id: …“).",
            data,
            "address_book",
        )
        book = []
    seen = set()
    for entry in book:
        if not isinstance(entry, dict):
            bad("Jeder Adressbuch-Eintrag braucht „id“, „name“ und „type“.", book)
            continue
        oid, name, otype = (_text(entry.get(k)) for k in ("id", "name", "type"))
        if not SLUG_RE.match(oid):
            bad(
                f"Organisation „{oid or name}“: „id“ fehlt oder ist kein Kurzname "
                "(z. B. awo-sachsen).",
                entry,
            )
        elif oid in seen:
            bad(f"Organisation „{oid}“ steht doppelt im Adressbuch.", entry)
        seen.add(oid)
        if not name:
            bad(f"Organisation „{oid}“: „name“ fehlt.", entry)
        if otype not in ORG_TYPES:
            bad(
                f"Organisation „{oid}“: „type“ muss traeger oder gremium sein, nicht „{otype}“.",
                entry,
                "type" if "type" in entry else None,
            )
        email = _text(entry.get("email"))
        if email and not EMAIL_RE.match(email):
            bad(
                f"Organisation „{oid}“: „{email}“ ist keine gültige E-Mail-Adresse.", entry, "email"
            )
        cfg.orgs.append(Org(oid, name, otype, email, _text(entry.get("contact"))))

    gremien = {o.id for o in cfg.orgs if o.type == "gremium"}
    for tname, needs in cfg.consensus.items():
        for g in needs:
            if g not in gremien:
                bad(
                    f"{tname}: „{g}“ unter „consensus“ ist kein Gremium im Adressbuch.",
                    types.get(tname),
                    "consensus",
                )
    cfg.remote = _text(data.get("remote"))
    _validate_signing(cfg, data, bad)
    cfg.mail = validate_mail(data.get("mail"), lambda v: bool(EMAIL_RE.match(v)), bad)


def _validate_signing(cfg: Config, data: Any, bad: Any) -> None:
    signing = data.get("signing")
    if signing is None:
        return
    if not isinstance(signing, dict):
        bad("„signing“ braucht „git: ssh|openpgp|none“ und „pdf: true|false“.", data, "signing")
        return
    for key in signing:
        if key not in ("git", "pdf"):
            bad(
                f"signing: unbekannter Eintrag „{key}“ (erlaubt: git, pdf). Schlüssel und "
                "Listen gehören in die lokale Datei .git/lafast-local.yaml.",
                signing,
                key,
            )
    git = _text(signing.get("git")) or "none"
    if git not in GIT_SIGNING:
        bad(f"signing: „git“ muss ssh, openpgp oder none sein, nicht „{git}“.", signing, "git")
        git = "none"
    pdf = signing.get("pdf", False)
    if not isinstance(pdf, bool):
        bad("signing: „pdf“ muss true oder false sein.", signing, "pdf")
        pdf = False
    cfg.signing = SigningPolicy(git, pdf)


LINK_SCHEMES = ("https", "http", "mailto")


def is_link(value: str) -> bool:
    """Whether a configured address may become a link in an output: https, http or mailto
    only (never javascript:, data:, file: …), with a host, no spaces or control characters."""
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return False
    parts = urlsplit(value)
    if parts.scheme.lower() not in LINK_SCHEMES:
        return False
    return (
        bool(parts.netloc) if parts.scheme.lower() != "mailto" else bool(EMAIL_RE.match(parts.path))
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# -- the file of a new workspace (create.py) -----------------------------------------------

DEFAULT_CONFIG = """\
# lafast.yaml – Einstellungen dieses Arbeitsbereichs.
# Zeilen, die mit # beginnen, sind Erläuterungen und werden von lafast nicht gelesen.
# Nach Änderungen prüft jeder lafast-Befehl die Datei und nennt Fehler mit Zeilennummer.

# Version des Dateiformats (nicht ändern)
format: 1

# Die Fachstelle, die die Dokumente herausgibt
organisation:
  name: "{name}"
  short_name: "LaFaSt"
  address: ""
  website: ""
  # Förderhinweis: steht auf jeder Seite der PDF-Fassung
  funding_note: ""

# Rollen: Kurzname und Bezeichnung. Freigaben werden an Rollen gebunden.
roles:
  leitung: "Leitung der Fachstelle"
  referent: "Referent*in"
  lag-sprecher: "Sprecher*in der LAG FSA/MSA"

# Personen im Team und ihre Rollen
people:
  - id: leitung
    name: "Leitung (bitte Namen eintragen)"
    email: ""
    roles: [leitung]

# Dokumenttypen: welche Rollen ein Dokument freigeben müssen (approvers) und welche Gremien
# Änderungen bestätigen müssen, bevor „lafast merge“ sie übernimmt (consensus)
document_types:
  fachstandard:
    approvers: [leitung, lag-sprecher]
    consensus: []
  stellungnahme:
    approvers: [leitung]
    consensus: []

# Adressbuch: Träger und Gremien, die an Beteiligungsrunden teilnehmen.
# Pflegen mit „lafast org add/list/remove“ oder direkt hier.
# type: traeger oder gremium
address_book: []

# Gemeinsames git-Repository (z. B. auf einem Gitea-Server); leer lassen, wenn keins
remote: ""
"""
