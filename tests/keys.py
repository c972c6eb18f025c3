"""Real keys for the tests: SSH keys per approver (ssh-keygen), an allowed-signers list and a
certificate authority with an EC signing certificate (cryptography), all outside the repo."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from lafast_docs.release.keyring import write_local
from lafast_docs.release.signing import Authority, make_authority
from lafast_docs.workspace import Workspace

PASSWORD_ENV = "LAFAST_TEST_PDF_PW"


@dataclass
class Keys:
    folder: Path
    allowed: Path
    authority: Authority

    def key(self, name: str) -> Path:
        return self.folder / name


def ssh_key(folder: Path, name: str) -> Path:
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key


def make_keys(folder: Path, *, allowed: dict[str, str]) -> Keys:
    """`allowed`: principal -> key name. Keys named in it, plus "mallory" (not on the list)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in {*allowed.values(), "mallory"}:
        ssh_key(folder, name)
    lines = []
    for principal, name in allowed.items():
        kind, material = (folder / f"{name}.pub").read_text().split()[:2]
        lines.append(f'{principal} namespaces="git" {kind} {material}')
    path = folder / "allowed_signers"
    path.write_text("\n".join(lines) + "\n")
    authority = make_authority(folder / "ca", organisation="Testfachstelle", password="geheim")
    return Keys(folder, path, authority)


def use(ws: Workspace, keys: Keys, signer: str, *, pdf: bool = True) -> None:
    """Local settings as on `signer`'s computer."""
    text = f"git:\n  allowed_signers: {keys.allowed}\n  key: {keys.key(signer)}\n"
    if pdf:
        a = keys.authority
        text += (
            f"pdf:\n  pkcs12: {a.pkcs12}\n  password_env: {PASSWORD_ENV}\n"
            f"  trust_roots: [{a.ca_cert}]\n"
        )
    write_local(ws, text)


def gpg_keys(home: Path, names: list[str]) -> dict[str, str]:
    """OpenPGP keys (ed25519, no passphrase) in a fresh keyring `home`: name -> fingerprint."""
    import os

    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {**os.environ, "GNUPGHOME": str(home)}
    result = {}
    for name in names:
        subprocess.run(
            [
                "gpg",
                "--batch",
                "--passphrase",
                "",
                "--quick-gen-key",
                f"{name} <{name}@x.invalid>",
                "ed25519",
                "sign",
                "never",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        out = subprocess.run(
            ["gpg", "--batch", "--with-colons", "--list-keys", f"{name}@x.invalid"],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
        result[name] = next(ln.split(":")[9] for ln in out.splitlines() if ln.startswith("fpr"))
    return result


def stop_gpg_agent(home: Path) -> None:
    import os

    subprocess.run(
        ["gpgconf", "--kill", "gpg-agent"], env={**os.environ, "GNUPGHOME": str(home)}, check=False
    )
