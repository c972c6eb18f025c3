"""Sign-off (Freigabe): approvals bound to a commit and to the content that determines output.

An approval is an annotated git tag `lafast/<slug>/freigabe/<hash12>/<role>` on the commit that
was approved. Its message carries a JSON record: document, role, person, commit, version, date,
note, and the content hash: SHA-256 over the draft's folder (text, images), the templates (the
workspace's at that commit and the built-in ones of this lafast) and the organisation's details
that appear in every output. Any later change to one of these voids the approval.

With signing (keyring.Keyring.git_signing) each tag is signed with the approver's SSH or
OpenPGP key, and an approval counts only if git itself verifies the tag for the person named in
the record (see `signers.verify_for`): nothing is read from `user.name` or from git's human text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from lafast_docs.errors import ConfigError, LafastError, Problem, SignoffError
from lafast_docs.external import resources
from lafast_docs.release.keyring import Keyring, load_keyring
from lafast_docs.release.signers import approver, first_line, pinned_refusal, verify_for
from lafast_docs.release.versions import published_conflict
from lafast_docs.storage import yamlio
from lafast_docs.text.drafts import load_draft, parse_draft
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import CONFIG_NAME, DOC_TYPE_PLURALS

RECORD_FORMAT = 1
MAX_BLAMED = 30  # commits looked at per changed part when naming what voided a sign-off
PART_NAMES = {
    "text": "Text oder Bilder des Entwurfs",
    "vorlagen": "Vorlagen (Gestaltung)",
    "organisation": "Angaben der Organisation in lafast.yaml",
}


def tag_prefix(slug: str) -> str:
    return f"lafast/{slug}/freigabe/"


# -- what an approval is bound to -------------------------------------------------------------
def content_parts(ws: Workspace, slug: str, rev: str) -> dict[str, str]:
    """The hashes of everything that determines the output of `slug` at `rev`."""
    store = ws.store
    folder = ws.drafts_dir / slug
    files = store.files_at(rev, folder)
    text = parse_draft(
        files[f"drafts/{slug}/document.md"].decode("utf-8"),
        path=folder / "document.md",
        slug=slug,
        editable=False,
    )
    doc_type = text.type

    def digest(items: dict[str, bytes]) -> str:
        h = hashlib.sha256()
        for name in sorted(items):
            h.update(name.encode() + b"\0" + hashlib.sha256(items[name]).digest())
        return h.hexdigest()

    templates: dict[str, bytes] = {}
    for sub in (doc_type, "common"):
        templates.update(store.files_at(rev, ws.templates_dir / sub))
    templates["(lafast)"] = resources.templates_digest(None, doc_type).encode()
    cfg = _yaml_at(ws, rev)
    org = cfg.get("organisation") if isinstance(cfg, dict) else None
    return {
        "text": digest(files),
        "vorlagen": digest(templates),
        "organisation": hashlib.sha256(
            json.dumps(org, sort_keys=True, default=str, ensure_ascii=False).encode()
        ).hexdigest(),
    }


def content_hash(parts: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _yaml_at(ws: Workspace, rev: str) -> Any:
    text = ws.store.read_at(rev, ws.root / CONFIG_NAME)
    return yamlio.load(text, path=ws.root / CONFIG_NAME, error=ConfigError, fast=True)


# -- records ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Approval:
    tag: str
    slug: str
    role: str
    person: str
    name: str
    commit: str
    version: str
    hash: str
    parts: dict[str, str]
    date: dt.datetime
    note: str
    signed: bool
    tag_commit: str


@dataclass
class Check:
    approval: Approval
    valid: bool = True
    authenticated: bool = False
    reasons: list[str] = field(default_factory=list)

    def refuse(self, reason: str) -> None:
        self.valid = False
        self.reasons.append(reason)


@dataclass
class RoleStatus:
    role: str
    label: str
    check: Check | None  # the approval that counts (valid one first), None when there is none

    @property
    def valid(self) -> bool:
        return self.check is not None and self.check.valid


@dataclass
class SignoffStatus:
    slug: str
    version: str
    commit: str  # HEAD, where the content was checked
    hash: str
    roles: list[RoleStatus]
    signing: bool
    unsaved: bool

    @property
    def complete(self) -> bool:
        return bool(self.roles) and all(r.valid for r in self.roles) and not self.unsaved

    @property
    def approvals(self) -> list[Approval]:
        return [r.check.approval for r in self.roles if r.check is not None and r.check.valid]

    def summary(self) -> str:
        done = sum(r.valid for r in self.roles)
        void = sum(1 for r in self.roles if r.check is not None and not r.check.valid)
        text = f"{done}/{len(self.roles)}"
        return text + (f" ({void} ungültig)" if void else "")


def _parse(rec: dict[str, str]) -> Approval | None:
    try:
        data = json.loads(rec["body"])
        if data.get("lafast_freigabe") != RECORD_FORMAT:
            return None
        return Approval(
            tag=rec["name"],
            slug=str(data["dokument"]),
            role=str(data["rolle"]),
            person=str(data["person"]),
            name=str(data["name"]),
            commit=str(data["commit"]),
            version=str(data["version"]),
            hash=str(data["hash"]),
            parts={str(k): str(v) for k, v in dict(data["teile"]).items()},
            date=dt.datetime.fromisoformat(str(data["datum"])),
            note=str(data.get("notiz") or ""),
            signed=bool(rec["signature"].strip()),
            tag_commit=rec["commit"],
        )
    except (ValueError, KeyError, TypeError):
        return None


def approvals(ws: Workspace, slug: str) -> list[Approval]:
    """Every approval record of `slug`, newest first (unreadable tags are skipped)."""
    found = [_parse(r) for r in ws.store.tag_records(tag_prefix(slug)) if r["type"] == "tag"]
    return sorted(
        (a for a in found if a is not None and a.slug == slug),
        key=lambda a: a.date,
        reverse=True,
    )


# -- checking -----------------------------------------------------------------------------------
def check(ws: Workspace, a: Approval, keyring: Keyring, parts: dict[str, str], head: str) -> Check:
    c = Check(a)
    cfg = ws.config
    person = cfg.person(a.person)
    if a.tag_commit != a.commit:
        c.refuse("Die Markierung zeigt auf eine andere Fassung als die Freigabe angibt.")
    if person is None:
        c.refuse(f"{a.name} ({a.person}) steht nicht (mehr) unter „people“ in lafast.yaml.")
    elif a.role not in person.roles:
        c.refuse(f"{person.name} hat die Rolle „{cfg.roles.get(a.role, a.role)}“ nicht (mehr).")
    pinned = pinned_refusal(keyring, a.role, a.person)
    if pinned:
        c.refuse(pinned)
    if keyring.git_signing:
        if not a.signed:
            c.refuse(
                "Die Freigabe ist nicht signiert; in diesem Arbeitsbereich zählen nur "
                "signierte Freigaben."
            )
        elif person is not None:
            ok, raw = verify_for(ws, a.tag, person, keyring)
            if ok:
                c.authenticated = True
            else:
                c.refuse(
                    f"Die Signatur gehört nicht zu einem zugelassenen Schlüssel von "
                    f"{person.name}, oder sie ist ungültig (git: {first_line(raw)})."
                )
    if content_hash(parts) != a.hash:
        c.refuse(void_reason(ws, a, parts, head))
    return c


def _part_at(ws: Workspace, slug: str, rev: str, part: str) -> str | None:
    try:
        return content_parts(ws, slug, rev).get(part)
    except (LafastError, KeyError):  # the draft did not exist there, or could not be read
        return None


def void_reason(ws: Workspace, a: Approval, parts: dict[str, str], head: str) -> str:
    """Which part changed after the approval, and exactly the saved changes that changed it:
    a commit counts only when the part's hash differs before and after it (a change of
    `remote:` in lafast.yaml, or a template of another document type, is not named)."""
    changed = [k for k in parts if parts[k] != a.parts.get(k)] or list(parts)
    paths = {
        "text": [ws.drafts_dir / a.slug],
        "vorlagen": [ws.templates_dir],
        "organisation": [ws.root / CONFIG_NAME],
    }
    found: list[str] = []
    for part in changed:
        culprits = []
        commits = ws.store.commits_between(a.commit, head, paths.get(part, [ws.root]))
        for ci in commits[:MAX_BLAMED]:
            if _part_at(ws, a.slug, f"{ci.sha}^", part) != _part_at(ws, a.slug, ci.sha, part):
                culprits.append(f"{ci.short} „{ci.subject}“ ({ci.author})")
        name = PART_NAMES.get(part, part)
        if culprits:
            more = f" und {len(culprits) - 3} weitere" if len(culprits) > 3 else ""
            found.append(f"{name} – in {'; '.join(culprits[:3])}{more}")
        elif part == "vorlagen":
            found.append(f"{name} – die eingebauten Vorlagen dieser lafast-Version")
        else:
            found.append(f"{name} – noch nicht gespeichert oder außerhalb von lafast")
    return "Nach der Freigabe geändert: " + "; ".join(found) + "."


def signoff_status(ws: Workspace, slug: str, *, keyring: Keyring | None = None) -> SignoffStatus:
    draft = load_draft(ws, slug, editable=False)
    keyring = keyring or load_keyring(ws)
    store = ws.store
    head = store.resolve("HEAD")
    parts = content_parts(ws, slug, head)
    checks = [check(ws, a, keyring, parts, head) for a in approvals(ws, slug)]
    roles = []
    for role in ws.config.approvers.get(draft.type, []):
        mine = [c for c in checks if c.approval.role == role]
        best = next((c for c in mine if c.valid), mine[0] if mine else None)
        roles.append(RoleStatus(role, ws.config.roles.get(role, role), best))
    return SignoffStatus(
        slug,
        draft.version,
        head,
        content_hash(parts),
        roles,
        keyring.git_signing,
        store.is_dirty(draft.folder)
        or store.is_dirty(ws.templates_dir)
        or store.is_dirty(ws.root / CONFIG_NAME),
    )


def require_complete(ws: Workspace, slug: str) -> SignoffStatus:
    """The status, or a SignoffError naming every missing or void approval."""
    st = signoff_status(ws, slug)
    conflict = published_conflict(ws, slug, st.version, st.hash)
    if conflict is not None:
        raise conflict
    if st.complete:
        return st
    problems = []
    if st.unsaved:
        problems.append(
            "Entwurf, Vorlagen oder lafast.yaml haben ungespeicherte Änderungen; erzeugt würde "
            "nicht die freigegebene Fassung."
        )
    for r in st.roles:
        if r.check is None:
            problems.append(f"{r.label}: keine Freigabe.")
        elif not r.check.valid:
            problems.append(f"{r.label}: " + " ".join(r.check.reasons))

    hint = f"„lafast signoff status {slug}“ zeigt die Einzelheiten"
    missing = [f"„lafast signoff {slug} --as {r.role}“" for r in st.roles if not r.valid]
    if missing:
        hint += f"; fehlende Freigaben mit {' und '.join(missing)} einholen"
    raise SignoffError(
        f"„{slug}“ ist nicht (mehr) freigegeben.",
        problems=[Problem(p) for p in problems],
        hint=hint + ".",
    )


# -- signing off ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignoffResult:
    approval: Approval
    authenticated: bool
    status: SignoffStatus


def sign_off(
    ws: Workspace,
    slug: str,
    role: str,
    *,
    person: str | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> SignoffResult:
    """Record the approval of `role` for the saved version of `slug` (a tag, signed when
    signing is set up). Refuses unsaved drafts, roles the type does not need, wrong keys."""
    cfg = ws.config
    draft = load_draft(ws, slug, editable=False)
    needed = cfg.approvers.get(draft.type, [])
    if role not in needed:
        raise SignoffError(
            f"Die Rolle „{role}“ gibt {DOC_TYPE_PLURALS[draft.type]} nicht frei.",
            hint=f"Freigeben müssen: {', '.join(needed) or '(niemand)'} (lafast.yaml, "
            f"document_types: {draft.type}: approvers).",
        )
    store = ws.store
    if store.is_dirty(draft.folder):
        raise SignoffError(
            f"„{slug}“ hat ungespeicherte Änderungen; freigegeben wird nur eine gespeicherte "
            "Fassung.",
            hint=f'Erst „lafast save {slug} -m "…"“, dann erneut freigeben.',
        )
    keyring = load_keyring(ws)
    who = approver(ws, role, person, keyring)
    refusal = pinned_refusal(keyring, role, who.id)
    if refusal:
        raise SignoffError(
            refusal + "; die Freigabe wurde nicht gespeichert.",
            hint="Die Rollenliste pflegt die Administration in der lokalen Einstellung.",
        )
    head = store.resolve("HEAD")
    parts = content_parts(ws, slug, head)
    digest = content_hash(parts)
    conflict = published_conflict(ws, slug, draft.version, digest)
    if conflict is not None:
        raise conflict
    tag = f"{tag_prefix(slug)}{digest[:12]}/{role}"
    for a in approvals(ws, slug):
        if a.tag == tag:
            raise SignoffError(
                f"Für diese Fassung liegt die Freigabe „{cfg.roles.get(role, role)}“ schon vor "
                f"({a.name}, {a.date:%d.%m.%Y}).",
                hint=f"„lafast signoff status {slug}“ zeigt alle Freigaben.",
            )
    when = (now or dt.datetime.now().astimezone()).replace(microsecond=0)
    record = {
        "lafast_freigabe": RECORD_FORMAT,
        "dokument": slug,
        "rolle": role,
        "person": who.id,
        "name": who.name,
        "commit": head,
        "version": draft.version,
        "hash": digest,
        "teile": parts,
        "datum": when.isoformat(),
        "notiz": note.strip(),
    }
    message = (
        f"Freigabe {slug} {draft.version}: {cfg.roles.get(role, role)} ({who.name})\n\n"
        + json.dumps(record, ensure_ascii=False, indent=2)
    )
    if keyring.git_signing:
        keyring.require_allowed_signers()
        store.signed_tag(
            tag,
            head,
            message,
            fmt=keyring.git_format,
            key=keyring.signing_key,
            gnupghome=keyring.gnupghome,
        )
        ok, raw = verify_for(ws, tag, who, keyring)
        if not ok:
            store.delete_tag(tag)
            raise SignoffError(
                f"Ihr Signaturschlüssel ist nicht für {who.name} ({who.id}) zugelassen; die "
                "Freigabe wurde nicht gespeichert.",
                hint="Die Liste der zugelassenen Schlüssel pflegt die Administration "
                f"(allowed_signers in der lokalen Einstellung). git meldet: {first_line(raw)}",
            )
    else:
        store.tag(tag, head, message)
    st = signoff_status(ws, slug, keyring=keyring)
    mine = next(a for a in approvals(ws, slug) if a.tag == tag)
    return SignoffResult(mine, keyring.git_signing, st)
