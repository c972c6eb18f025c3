"""This machine's keys and trust lists: `.git/lafast-local.yaml` (or `$LAFAST_LOCAL_CONFIG`).

Why not lafast.yaml: anything committed can be changed by a plain commit. Whoever may commit
could otherwise add their own key to the list of allowed signers, or point the list elsewhere.
The local file lives in the repository's private folder (never committed, never pushed) or
wherever an administrator keeps it, and every path in it must lie outside the working tree.

    git:
      format: ssh                                     # or openpgp (lafast.yaml's choice wins)
      allowed_signers: /etc/lafast/allowed_signers   # ssh: ssh-keygen ALLOWED SIGNERS format;
                                                      # openpgp: "person-id FINGERPRINT" lines
      key: ~/.ssh/id_ed25519                          # own key: SSH key file or OpenPGP
                                                      # fingerprint (else user.signingkey)
      gnupghome: ~/.gnupg                             # openpgp: keyring with the public keys
      principals:                                     # other principals of a person in the
        miriam-albers: [miriam.albers@lafast.example] # list (e-mail), pinned here, never read
                                                      # from lafast.yaml
    pdf:
      pkcs12: /etc/lafast/siegel.p12                  # certificate + key for PAdES
      password_env: LAFAST_PDF_PASSWORD               # environment variable with its password
      trust_roots: [/etc/lafast/ca.pem]               # CA certificates `lafast verify` trusts
      timestamp_url: https://tsa.example/tsr          # RFC 3161 time-stamping service: PAdES
                                                      # B-T, with validation data B-LT
      crl: ~/lafast-ca/sperrliste.crl                 # the own CA's revocation list (publish
                                                      # puts it on the site; signing embeds it)
      site: ~/website                                 # the site `signing archive` stamps;
                                                      # doctor watches its timestamps
      pkcs11:                                         # instead of pkcs12: a token or HSM
        module: /usr/lib/softhsm/libsofthsm2.so       # the vendor's PKCS#11 library
        token: lafast                                 # token label
        key: siegel                                   # label of key and certificate
        pin_env: LAFAST_TOKEN_PIN                     # environment variable with the PIN
    person: miriam-albers                             # who works at this computer (doctor)

Principals in the allowed-signers file are the `id` of a person in lafast.yaml, or another
principal (an e-mail address) that `git: principals:` here assigns to that id. A person's
e-mail in lafast.yaml never counts: a commit could change it to somebody else's principal.
For OpenPGP the list names each person's key fingerprint(s): the keyring says a signature is
good, the list says whose it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs.errors import ConfigError, LafastError, Problem, SigningError
from lafast_docs.release.secret import remembered, secret
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write
from lafast_docs.workspace import Workspace

LOCAL_NAME = "lafast-local.yaml"
ENV_PATH = "LAFAST_LOCAL_CONFIG"


@dataclass(frozen=True)
class Token:
    """A key and its certificate on a PKCS#11 token (smart card, USB token, HSM)."""

    module: Path  # the PKCS#11 library
    token: str  # token label
    key: str  # label of the private key and of its certificate
    pin_env: str = ""  # environment variable with the user PIN

    def pin(self) -> str:
        """The user PIN: from its variable, else asked for at a terminal ("" without one)."""
        if not self.pin_env:
            return ""
        return secret(self.pin_env, what=f"PIN des Tokens „{self.token}“")


@dataclass(frozen=True)
class Keyring:
    path: Path | None  # the local file, None when there is none
    allowed_signers: Path | None = None
    signing_key: str | None = None  # SSH key file or OpenPGP fingerprint
    git_format: str = "ssh"
    gnupghome: Path | None = None
    pkcs12: Path | None = None
    password_env: str = ""
    trust_roots: tuple[Path, ...] = field(default_factory=tuple)
    # role -> person ids allowed to approve in it, pinned on this machine ("git: roles:");
    # None: the roles in lafast.yaml count (which a commit could change)
    roles: dict[str, tuple[str, ...]] | None = None
    # person id -> further principals of that person in the allowed-signers list (e-mail)
    principals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    git_required: bool = False  # lafast.yaml asks for signed approvals
    person: str | None = None  # who works at this computer ("person:"), set by `signing setup`
    timestamp_url: str = ""  # RFC 3161 service: signatures get a trusted time (PAdES B-T/B-LT)
    pkcs11: Token | None = None  # the seal on a token or HSM instead of a PKCS#12 file
    crl: Path | None = None  # the office CA's revocation list (`signing ca`, `signing revoke`)
    site: Path | None = None  # the website folder whose archive timestamps doctor watches

    @property
    def has_seal(self) -> bool:
        """A seal is set up here (PKCS#12 file or PKCS#11 token)."""
        return self.pkcs12 is not None or self.pkcs11 is not None

    @property
    def seal_name(self) -> str:
        if self.pkcs11 is not None:
            return f"Token „{self.pkcs11.token}“, Schlüssel „{self.pkcs11.key}“"
        return self.pkcs12.name if self.pkcs12 is not None else ""

    pdf_required: bool = False  # lafast.yaml asks for signed final PDFs

    @property
    def git_signing(self) -> bool:
        """Approvals are signed tags: the policy asks for it or a trust list is set up here
        (a commit that drops the policy cannot switch verification off on this machine)."""
        return self.git_required or self.allowed_signers is not None

    def require_allowed_signers(self) -> Path:
        if self.allowed_signers is None:
            raise SigningError(
                f"Freigaben müssen signiert sein (lafast.yaml: signing: git: {self.git_format}), "
                "aber auf "
                "diesem Rechner ist keine Liste der zugelassenen Schlüssel eingerichtet.",
                hint=f"Tragen Sie in {self.path or '.git/' + LOCAL_NAME} „git: allowed_signers: "
                "PFAD“ ein (Datei im Format von ssh-keygen, außerhalb des Arbeitsbereichs).",
            )
        return self.allowed_signers

    def pdf_password(self) -> bytes | None:
        """The seal file's password: from its variable, else asked for at a terminal (secret.py);
        None when no variable is set up (a file without password, or asked for on failure)."""
        if not self.password_env:
            typed = remembered(self.password_key)
            return typed.encode("utf-8") if typed is not None else None
        return secret(self.password_env, what=self.password_label, key=self.password_key).encode(
            "utf-8"
        )

    @property
    def password_label(self) -> str:
        return f"Kennwort des Siegels {self.pkcs12.name if self.pkcs12 else ''}".rstrip()

    @property
    def password_key(self) -> str:
        return f"pkcs12:{self.pkcs12}"


def local_path(ws: Workspace) -> Path:
    env = os.environ.get(ENV_PATH)
    return Path(env).expanduser() if env else ws.store.git_dir() / LOCAL_NAME


def load_keyring(ws: Workspace) -> Keyring:
    """The local settings, validated in one pass (every problem with its line)."""
    policy = ws.config.signing
    path = local_path(ws)
    required = policy.git != "none"
    if not path.is_file():
        fmt = policy.git if required else "ssh"
        return Keyring(None, git_format=fmt, git_required=required, pdf_required=policy.pdf)
    text = path.read_text("utf-8")
    data = yamlio.load(text, path=path, error=ConfigError)
    problems: list[Problem] = []

    def bad(msg: str, node: Any, key: Any = None) -> None:
        problems.append(Problem(msg, path, yamlio.line_of(node, key)))

    def file_entry(section: Any, key: str, *, folder: bool = False) -> Path | None:
        raw = section.get(key)
        if raw in (None, ""):
            return None
        p = Path(str(raw)).expanduser()
        if not p.is_absolute():
            p = (path.parent / p).resolve()
        if not (p.is_dir() if folder else p.is_file()):
            bad(
                f"„{key}“: {'den Ordner' if folder else 'die Datei'} {p} gibt es nicht.",
                section,
                key,
            )
            return None
        if in_worktree(p, ws):
            bad(
                f"„{key}“: {p} liegt im Arbeitsbereich; dort könnte jede*r sie mit einem "
                "Commit ändern. Legen Sie die Datei außerhalb ab.",
                section,
                key,
            )
            return None
        return p

    values: dict[str, Any] = {}
    if not isinstance(data, dict):
        bad("Die Datei muss aus Abschnitten „git:“ und „pdf:“ bestehen.", data)
        data = {}
    for key in data:
        if key not in ("git", "pdf", "person"):
            bad(f"Unbekannter Eintrag „{key}“ (erlaubt: git, pdf, person).", data, key)
    person = data.get("person")
    if person is not None:
        if not isinstance(person, str) or ws.config.person(person) is None:
            bad(
                f"„person“: „{person}“ ist keine Personenkennung aus lafast.yaml "
                f"(dort: {', '.join(p.id for p in ws.config.people) or 'niemand'}).",
                data,
                "person",
            )
        else:
            values["person"] = person
    git = data.get("git") or {}
    pdf = data.get("pdf") or {}
    for section, name, known in (
        (git, "git", ("format", "allowed_signers", "key", "gnupghome", "roles", "principals")),
        (
            pdf,
            "pdf",
            ("pkcs12", "password_env", "trust_roots", "timestamp_url", "pkcs11", "crl", "site"),
        ),
    ):
        for key in section if isinstance(section, dict) else ():
            if key not in known:
                bad(
                    f"Unbekannter Eintrag „{key}“ unter {name} (erlaubt: {', '.join(known)}).",
                    section,
                    key,
                )
    if isinstance(git, dict):
        fmt = str(git.get("format") or (policy.git if required else "ssh"))
        if fmt not in ("ssh", "openpgp"):
            bad(f"„format“ muss ssh oder openpgp sein, nicht „{fmt}“.", git, "format")
        values["git_format"] = policy.git if required else fmt
        values["allowed_signers"] = file_entry(git, "allowed_signers")
        if values["git_format"] == "ssh":
            key = file_entry(git, "key")
            values["signing_key"] = str(key) if key else None
        else:
            values["signing_key"] = str(git.get("key") or "") or None
            values["gnupghome"] = file_entry(git, "gnupghome", folder=True)
        values["roles"] = _roles(git, bad)
        values["principals"] = _principals(git, bad)
    else:
        bad("„git“ braucht „allowed_signers:“ (und optional „key:“).", data, "git")
    if isinstance(pdf, dict):
        values["pkcs12"] = file_entry(pdf, "pkcs12")
        values["password_env"] = str(pdf.get("password_env") or "")
        url = str(pdf.get("timestamp_url") or "")
        if url and not url.startswith(("https://", "http://")):
            bad(
                f"„timestamp_url“ muss eine http(s)-Adresse sein, nicht „{url}“.",
                pdf,
                "timestamp_url",
            )
        values["timestamp_url"] = url
        values["pkcs11"] = _token(pdf, file_entry, bad)
        values["crl"] = file_entry(pdf, "crl")
        site = pdf.get("site")
        values["site"] = Path(str(site)).expanduser() if site else None
        roots = pdf.get("trust_roots") or []
        if not isinstance(roots, list):
            bad("„trust_roots“ muss eine Liste von Dateien sein.", pdf, "trust_roots")
            roots = []
        found = [file_entry({"trust_roots": r}, "trust_roots") for r in roots]
        values["trust_roots"] = tuple(p for p in found if p is not None)
    else:
        bad("„pdf“ braucht „pkcs12:“ und „password_env:“.", data, "pdf")
    if problems:
        raise ConfigError(
            f"{path.name} enthält {len(problems)} Fehler:",
            problems=problems,
            hint=f"Korrigieren Sie die genannten Zeilen in {path}.",
        )
    return Keyring(path, git_required=required, pdf_required=policy.pdf, **values)


def _token(pdf: Any, file_entry: Any, bad: Any) -> Token | None:
    """`pkcs11: {module: …, token: …, key: …, pin_env: …}`."""
    raw = pdf.get("pkcs11")
    if raw is None:
        return None
    keys = ("module", "token", "key", "pin_env")
    if not isinstance(raw, dict) or not all(raw.get(k) for k in keys[:3]):
        bad("„pkcs11“ braucht module, token und key (dazu pin_env).", pdf, "pkcs11")
        return None
    for key in raw:
        if key not in keys:
            bad(f"Unbekannter Eintrag „{key}“ unter pkcs11 (erlaubt: {', '.join(keys)}).", raw, key)
    if pdf.get("pkcs12"):
        bad("Entweder „pkcs12“ oder „pkcs11“, nicht beides.", pdf, "pkcs11")
    module = file_entry(raw, "module")
    if module is None:
        return None
    return Token(module, str(raw["token"]), str(raw["key"]), str(raw.get("pin_env") or ""))


def _roles(git: Any, bad: Any) -> dict[str, tuple[str, ...]] | None:
    """`roles: {leitung: [miriam-albers], …}`: who may approve in which role, on this machine."""
    raw = git.get("roles")
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in raw.values()
    ):
        bad("„roles“: je Rolle eine Liste von Personenkennungen (leitung: [name]).", git, "roles")
        return None
    return {str(role): tuple(people) for role, people in raw.items()}


def _principals(git: Any, bad: Any) -> dict[str, tuple[str, ...]]:
    """`principals: {miriam-albers: [miriam.albers@…]}`: whose e-mail principals are whose."""
    raw = git.get("principals")
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v)
        for v in raw.values()
    ):
        bad(
            "„principals“: je Personenkennung eine Liste ihrer Namen in der Schlüsselliste "
            "(miriam-albers: [miriam.albers@fachstelle.example]).",
            git,
            "principals",
        )
        return {}
    return {str(person): tuple(x.strip() for x in names) for person, names in raw.items()}


def in_worktree(p: Path, ws: Workspace) -> bool:
    real, root = p.resolve(), ws.root.resolve()
    return real.is_relative_to(root) and not real.is_relative_to(ws.store.git_dir())


def update_local(ws: Workspace, change: Callable[[Any], None], *, made_by: str) -> Path:
    """Change the local settings in place (comments and other entries kept): `change` edits the
    round-trip tree. The file is validated by `load_keyring` and the old one put back if the new
    one would not load, so a failed set-up never leaves a broken file."""
    path = local_path(ws)
    old = path.read_text("utf-8") if path.is_file() else None
    data = yamlio.load(old or "{}", path=path, error=ConfigError) or {}
    change(data)
    text = yamlio.dump(data)
    if old is None:
        text = f"# Lokale Einstellungen von lafast (nie im Archiv). Angelegt von {made_by}.\n{text}"
    atomic_write(path, text, mode=0o600)
    try:
        load_keyring(ws)
    except LafastError:
        if old is None:
            path.unlink()
        else:
            atomic_write(path, old)
        raise
    return path


def write_local(ws: Workspace, text: str) -> Path:
    """Write the local settings (used by the demo and by administrators' scripts)."""
    path = local_path(ws)
    atomic_write(path, text)
    return path
