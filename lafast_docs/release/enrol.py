"""`lafast signing setup`: one colleague's signing key, list entry and local settings in one go.

What a new colleague did by hand before (ssh-keygen, the allowed-signers line, `/etc/lafast`,
the local YAML file with its nesting) happens here, each step only when it is not done yet:

1. the key: an existing SSH key file (or OpenPGP fingerprint), else a new ed25519 key;
2. the allowed-signers line (`person-id namespaces="git" ssh-ed25519 AAAA…`): added to the list
   by whoever keeps it (`add_to_list`, the folder is created), else handed back to be passed on;
3. the local settings (keyring.py): `person`, `git: key`, the list, and the roles pinned from
   lafast.yaml as they are at set-up (trust on first use; shown, so it can be checked).

The settings are validated by `load_keyring` before the command ends; if they would not load,
the previous file is put back. The key on the list is matched by its material, so a key that is
listed for somebody else is refused rather than listed twice.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs.errors import SignerSetupError
from lafast_docs.release.keyring import in_worktree, load_keyring, update_local
from lafast_docs.storage.files import atomic_write
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import Person

SETUP = "„lafast signing setup“"
DEFAULT_KEY = Path("~/.ssh/lafast")
DEFAULT_LIST = Path("/etc/lafast/allowed_signers")
_FPR = re.compile(r"\A[0-9A-F]{40}\Z")


def signing_roles(ws: Workspace) -> set[str]:
    """Roles that approve some document type (lafast.yaml `approvers`)."""
    return {role for roles in ws.config.approvers.values() for role in roles}


def signs(ws: Workspace, person: Person) -> bool:
    return bool(set(person.roles) & signing_roles(ws))


@dataclass
class SignerSetup:
    person: Person
    key: str  # SSH private key file or OpenPGP fingerprint
    created_key: bool
    line: str  # the allowed-signers line for this key
    allowed_signers: Path | None  # the list named in the local settings (None: not yet there)
    added_to_list: bool = False
    already_listed: bool = False
    local_file: Path = Path()
    pinned_roles: dict[str, list[str]] = field(default_factory=dict)  # newly pinned here


def setup_signer(
    ws: Workspace,
    *,
    person: str,
    key: str | None = None,
    allowed_signers: Path | None = None,
    add_to_list: bool = False,
    fmt: str | None = None,
) -> SignerSetup:
    """Set up `person`'s signing on this computer; see the module docstring."""
    who = ws.config.person(person)
    if who is None:
        raise SignerSetupError(
            f"„{person}“ ist keine Personenkennung aus lafast.yaml.",
            hint="Personenkennungen: "
            + (", ".join(p.id for p in ws.config.people) or "keine (lafast.yaml, people)")
            + ". Fehlt Ihre, trägt die Leitung Sie unter „people“ ein.",
        )
    policy = ws.config.signing.git
    fmt = policy if policy != "none" else (fmt or "ssh")
    if fmt not in ("ssh", "openpgp"):
        raise SignerSetupError(f"Das Format „{fmt}“ gibt es nicht (ssh oder openpgp).")
    previous = load_keyring(ws)  # a broken local file is reported before anything is written
    if fmt == "ssh":
        key_text, created, line = _ssh_key(ws, who, key)
    else:
        key_text, created, line = _openpgp_key(who, key)
    listed = allowed_signers or previous.allowed_signers or DEFAULT_LIST
    listed = listed.expanduser().absolute()
    _outside_worktree(ws, listed, "Die Liste der zugelassenen Schlüssel")
    result = SignerSetup(who, key_text, created, line, None)
    result.already_listed = _listed(listed, who, line)
    if add_to_list and not result.already_listed:
        _add_line(listed, line)
        result.added_to_list = result.already_listed = True
    if listed.is_file():
        result.allowed_signers = listed
    result.local_file, result.pinned_roles = _write_settings(ws, result, fmt, previous.roles)
    return result


def _ssh_key(ws: Workspace, who: Person, key: str | None) -> tuple[str, bool, str]:
    path = Path(key or DEFAULT_KEY).expanduser().absolute()
    _outside_worktree(ws, path, "Der Schlüssel")
    created = False
    if not path.exists():
        if key is not None:
            raise SignerSetupError(
                f"Den Schlüssel {path} gibt es nicht.",
                hint="Pfad prüfen, oder „--key“ weglassen: dann legt lafast einen neuen an.",
            )
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who.id, "-f", str(path)])
        created = True
    pub = path.with_name(path.name + ".pub")
    if not pub.is_file():
        raise SignerSetupError(
            f"Zum Schlüssel {path} fehlt der öffentliche Teil {pub.name}.",
            path=path,
            hint=f"Ihn neu erzeugen: ssh-keygen -y -f {path} > {pub}",
        )
    fields = pub.read_text("utf-8").split()
    if len(fields) < 2 or not fields[0].startswith(("ssh-", "ecdsa-", "sk-")):
        raise SignerSetupError(
            f"{pub} ist kein öffentlicher SSH-Schlüssel.",
            path=pub,
            hint="Einen SSH-Schlüssel angeben (ssh-keygen -t ed25519 legt einen an).",
        )
    return str(path), created, f'{who.id} namespaces="git" {fields[0]} {fields[1]}'


def _openpgp_key(who: Person, key: str | None) -> tuple[str, bool, str]:
    fpr = (key or "").replace(" ", "").upper()
    if not _FPR.match(fpr):
        raise SignerSetupError(
            "Für OpenPGP geben Sie den Fingerabdruck Ihres Schlüssels an (40 Hexadezimalziffern).",
            hint="Anzeigen mit: gpg --list-secret-keys --with-colons | grep ^fpr",
        )
    return fpr, False, f"{who.id} {fpr}"


def _run(cmd: list[str]) -> None:
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60)
    except FileNotFoundError as exc:
        raise SignerSetupError(
            f"{cmd[0]} ist nicht installiert.", hint="apt-get install openssh-client"
        ) from exc
    except subprocess.CalledProcessError as exc:
        raise SignerSetupError(
            f"{cmd[0]} meldet einen Fehler: {(exc.stderr or '').strip()[:200]}"
        ) from exc


def _outside_worktree(ws: Workspace, path: Path, what: str) -> None:
    if in_worktree(path, ws):
        raise SignerSetupError(
            f"{what} ({path}) läge im Arbeitsbereich; dort könnte jede*r ihn mit einem Commit "
            "ändern.",
            hint="Einen Ort außerhalb wählen, z. B. ~/.ssh/lafast oder /etc/lafast/.",
        )


def _material(line: str) -> tuple[str, str]:
    """(principals, key material) of an allowed-signers line."""
    fields = line.split()
    if len(fields) >= 2 and _FPR.match(fields[-1].upper()):
        return fields[0], fields[-1].upper()
    return (fields[0], fields[-1]) if fields else ("", "")


def _listed(path: Path, who: Person, line: str) -> bool:
    """Whether the list already names this key for `who`; a key listed for somebody else is
    refused (it would make their approvals look like this person's, or the other way round)."""
    if not path.is_file():
        return False
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise SignerSetupError(f"Die Liste {path} lässt sich nicht lesen: {exc.strerror}.") from exc
    material = _material(line)[1]
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        principals, their = _material(raw.strip())
        if their != material:
            continue
        if who.id in principals.split(","):
            return True
        raise SignerSetupError(
            f"Dieser Schlüssel steht in {path} schon für „{principals}“.",
            path=path,
            hint="Jede Person braucht ihren eigenen Schlüssel: „--key“ weglassen (neuer "
            "Schlüssel) oder den eigenen angeben.",
        )
    return False


def _add_line(path: Path, line: str) -> None:
    old = path.read_text("utf-8") if path.is_file() else ""
    if old and not old.endswith("\n"):
        old += "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, old + line + "\n", mode=0o644 if not old else None)
    except PermissionError as exc:
        raise SignerSetupError(
            f"In die Liste {path} darf dieses Konto nicht schreiben.",
            path=path,
            hint="Ohne „--add-to-list“ aufrufen und die ausgegebene Zeile der Person geben, die "
            "die Liste pflegt (oder mit deren Rechten eintragen).",
        ) from exc


def _write_settings(
    ws: Workspace, result: SignerSetup, fmt: str, pinned: Any
) -> tuple[Path, dict[str, list[str]]]:
    """Merge the new entries into the local settings (keyring.update_local)."""
    new_roles: dict[str, list[str]] = {}
    if pinned is None and result.allowed_signers is not None:
        new_roles = {
            role: [p.id for p in ws.config.holders(role)]
            for role in sorted(signing_roles(ws))
            if ws.config.holders(role)
        }

    def change(data: Any) -> None:
        data["person"] = result.person.id
        git = data.setdefault("git", {})
        if fmt == "openpgp":
            git["format"] = "openpgp"
        git["key"] = result.key
        if result.allowed_signers is not None:
            git["allowed_signers"] = str(result.allowed_signers)
        if new_roles:
            git["roles"] = new_roles

    return update_local(ws, change, made_by=SETUP), new_roles
