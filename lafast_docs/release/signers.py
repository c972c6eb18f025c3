"""Who approves, and whether a signed approval is really theirs.

An approver is a person with the role in lafast.yaml; with signing, only the person whose key is
listed for them in the allowed-signers list (keyring.py), and only where this machine's pinned
roles allow it. git itself judges each signature (`verify_for`); nothing is read from
`user.name` or from git's human text.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from lafast_docs.errors import SignoffError
from lafast_docs.release.keyring import Keyring
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import Person


def pinned_refusal(keyring: Keyring, role: str, person_id: str) -> str:
    """Why `person_id` may not approve as `role` by this machine's pinned roles ("" if fine)."""
    if keyring.roles is None:
        return ""
    allowed = keyring.roles.get(role, ())
    if person_id in allowed:
        return ""
    return (
        f"Nach der Rollenliste dieses Rechners (git: roles in {keyring.path}) darf "
        f"{person_id} nicht als „{role}“ freigeben"
        + (f" (zugelassen: {', '.join(allowed)})." if allowed else " (niemand eingetragen).")
    )


def first_line(raw: str) -> str:
    lines = [ln for ln in raw.splitlines() if ln.strip()]
    return lines[0][:200] if lines else "keine Ausgabe"


def verify_for(ws: Workspace, tag: str, person: Person, keyring: Keyring) -> tuple[bool, str]:
    """git's verdict on `tag`, for `person` only.

    SSH: git verifies against the allowed-signers list cut down to `person`'s lines (so a good
    signature by anybody else fails). OpenPGP: git verifies against the local keyring, and the
    fingerprint in gpg's machine-readable VALIDSIG status line must be one of `person`'s."""
    allowed = keyring.require_allowed_signers()
    lines = signer_lines(allowed, person, keyring)
    if not lines:
        return False, f"kein Schlüssel für {person.id} in {allowed}"
    if keyring.git_format == "openpgp":
        ok, raw = ws.store.verify_tag(tag, fmt="openpgp", gnupghome=keyring.gnupghome)
        mine = {fp.upper() for line in lines for fp in line.split()[1:]}
        return ok and bool(_validsig(raw) & mine), raw
    fd, tmp = tempfile.mkstemp(prefix="lafast-signers-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        return ws.store.verify_tag(tag, fmt="ssh", allowed_signers=Path(tmp))
    finally:
        Path(tmp).unlink(missing_ok=True)


def _validsig(raw: str) -> set[str]:
    """Fingerprints (signing key and primary key) from `[GNUPG:] VALIDSIG` status lines."""
    found: set[str] = set()
    for line in raw.splitlines():
        fields = line.split()
        if fields[:2] == ["[GNUPG:]", "VALIDSIG"] and len(fields) >= 3:
            found.add(fields[2].upper())
            if len(fields) >= 12:
                found.add(fields[11].upper())
    return found


def signer_lines(allowed: Path, person: Person, keyring: Keyring) -> list[str]:
    """Lines of an allowed-signers file whose principals name `person` exactly: the person's id,
    or a principal pinned to that id on this machine (`git: principals:`). The e-mail in
    lafast.yaml never counts: a commit could set it to another person's principal. Patterns
    with wildcards never match."""
    names = {person.id, *keyring.principals.get(person.id, ())}
    result = []
    for line in allowed.read_text("utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        principals = set(stripped.split(None, 1)[0].split(","))
        if principals & names:
            result.append(stripped)
    return result


def approver(ws: Workspace, role: str, person: str | None, keyring: Keyring) -> Person:
    cfg = ws.config
    holders = cfg.holders(role)
    label = cfg.roles.get(role, role)
    if person is not None:
        p = cfg.person(person)
        if p is None or p not in holders:
            raise SignoffError(
                f"„{person}“ ist keine Person mit der Rolle „{label}“.",
                hint=f"Mit dieser Rolle: {', '.join(h.id for h in holders) or 'niemand'} "
                "(lafast.yaml, people).",
            )
        holders = [p]
    if not holders:
        raise SignoffError(
            f"Niemand hat die Rolle „{label}“.",
            hint=f"Tragen Sie in lafast.yaml unter „people“ bei einer Person „roles: [{role}]“ "
            "ein.",
        )
    if keyring.git_signing:
        own = own_public_key(ws, keyring)
        allowed = keyring.require_allowed_signers()
        for h in holders:
            lines = signer_lines(allowed, h, keyring)
            if own and any(own in line.upper().split() or own in line for line in lines):
                return h
        raise SignoffError(
            f"Ihr Signaturschlüssel gehört laut Liste der zugelassenen Schlüssel zu keiner "
            f"Person mit der Rolle „{label}“; die Freigabe wurde nicht gespeichert.",
            hint=f"Freigeben kann: {', '.join(h.name for h in holders)} – mit dem eigenen "
            "Schlüssel (lokale Einstellung „git: key:“). Steht die Person in der Liste unter "
            "ihrer E-Mail-Adresse, ordnet die Administration sie in der lokalen Einstellung zu "
            "(„git: principals: KENNUNG: [ADRESSE]“); die E-Mail in lafast.yaml zählt nicht.",
        )
    if len(holders) > 1:
        raise SignoffError(
            f"Mehrere Personen haben die Rolle „{label}“.",
            hint=f"Geben Sie an, wer freigibt: --person {' | '.join(h.id for h in holders)}",
        )
    return holders[0]


def own_public_key(ws: Workspace, keyring: Keyring) -> str:
    """This user's signing key as it appears in the allowed-signers list: SSH key material
    ("ssh-ed25519 AAAA…") or an OpenPGP fingerprint. Only for picking the person; the trust
    decision is git's, after signing."""
    key = keyring.signing_key or ws.store.config_value("user.signingkey")
    if not key:
        return ""
    if keyring.git_format == "openpgp":
        return key.replace(" ", "").upper()
    if key.startswith("key::"):
        key_text = key[5:]
    else:
        path = Path(key).expanduser()
        pub = path if path.suffix == ".pub" else path.with_name(path.name + ".pub")
        if not pub.is_file():
            return ""
        key_text = pub.read_text("utf-8")
    fields = key_text.split()
    return " ".join(fields[:2]) if len(fields) >= 2 else ""
