"""Signatur einrichten: signing setup (eigener Schlüssel), seal (Siegel), ca (eigene
Zertifizierungsstelle). Listed in `lafast --help` with the release stage (cli/release.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lafast_docs.cli import core, show
from lafast_docs.cli.base import RELEASE, group, pass_workspace
from lafast_docs.cli.options import path_or_none
from lafast_docs.errors import SignerSetupError, SigningError

if TYPE_CHECKING:
    from lafast_docs.workspace import Workspace


@group(stage=RELEASE, short_help="Signatur einrichten: eigener Schlüssel, Siegel der Fachstelle.")
def signing() -> None:
    """Signatur einrichten: den eigenen Schlüssel für Freigaben, das Siegel der Fachstelle.

    \b
    Beispiele:  lafast signing setup --person miriam-albers
                lafast signing setup --person miriam-albers --key ~/.ssh/id_ed25519
    """


@signing.command("setup", changes_state=True)
@click.option("--person", metavar="KENNUNG", help="Ihre Personenkennung aus lafast.yaml.")
@click.option(
    "--key",
    metavar="DATEI|FINGERABDRUCK",
    help="Vorhandenen SSH-Schlüssel (oder OpenPGP-Fingerabdruck) verwenden. Vorgabe: "
    "~/.ssh/lafast, neu angelegt, falls es ihn nicht gibt.",
)
@click.option(
    "--allowed-signers",
    metavar="DATEI",
    type=click.Path(dir_okay=False),
    help="Liste der zugelassenen Schlüssel (Vorgabe: die eingerichtete oder "
    "/etc/lafast/allowed_signers).",
)
@click.option(
    "--add-to-list",
    is_flag=True,
    help="Den Eintrag selbst in die Liste schreiben (nur wer die Liste pflegt).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ssh", "openpgp"]),
    help="Art des Schlüssels, wenn lafast.yaml keine vorgibt (Vorgabe: ssh).",
)
@pass_workspace
def signing_setup(
    ws: Workspace,
    person: str | None,
    key: str | None,
    allowed_signers: str | None,
    add_to_list: bool,
    fmt: str | None,
) -> None:
    """Den eigenen Signaturschlüssel einrichten: Schlüssel, Eintrag für die Liste, Einstellung.

    Legt den Schlüssel an (oder nimmt einen vorhandenen), schreibt die lokale Einstellung
    (.git/lafast-local.yaml) und gibt die Zeile für die Liste der zugelassenen Schlüssel aus;
    wer die Liste pflegt, trägt sie mit --add-to-list gleich ein. Danach prüft es wie
    „lafast doctor“. Fehlt --person, fragt es nach (nur am Terminal).

    \b
    Beispiele:  lafast signing setup --person miriam-albers
                lafast signing setup --person miriam-albers --add-to-list \\
                    --allowed-signers /etc/lafast/allowed_signers
    """
    if person is None:
        person = _ask_person(ws)
    if sys.stdin.isatty():  # at a terminal: ask for what the options left open
        key, allowed_signers, add_to_list = _ask_setup(ws, key, allowed_signers, add_to_list, fmt)
    r = core.enrol.setup_signer(
        ws,
        person=person,
        key=key,
        allowed_signers=path_or_none(allowed_signers),
        add_to_list=add_to_list,
        fmt=fmt,
    )
    click.echo(
        f"{r.person.name}: Schlüssel {r.key} "
        + ("neu angelegt." if r.created_key else "wird verwendet.")
    )
    if r.added_to_list:
        click.echo(f"In die Liste der zugelassenen Schlüssel eingetragen: {r.allowed_signers}")
    elif r.already_listed:
        click.echo(f"Der Schlüssel steht schon in der Liste {r.allowed_signers}.")
    else:
        click.echo(
            "Diese Zeile muss in die Liste der zugelassenen Schlüssel – geben Sie sie der Person, "
            "die die Liste pflegt (sie hängt sie an die Liste an; danach „lafast doctor“):"
        )
        click.echo(f"  {r.line}")
    for role, people in r.pinned_roles.items():
        click.echo(
            f"Rolle „{ws.config.roles.get(role, role)}“ auf diesem Rechner festgelegt: "
            f"{', '.join(people)} (aus lafast.yaml; bitte prüfen)."
        )
    click.echo(f"Lokale Einstellung: {r.local_file}\n")
    show.findings(core.doctor.signing_findings(ws))


_PASSWORD_ENV = click.option(
    "--password-env",
    metavar="VARIABLE",
    default="",
    help="Umgebungsvariable mit dem Kennwort der Siegel-Datei (.p12).",
)
_TSA = click.option(
    "--timestamp-url",
    metavar="ADRESSE",
    help="Zeitstempeldienst (RFC 3161), z. B. https://…/tsr: Signaturen bleiben nach Ablauf "
    'des Zertifikats prüfbar. Leer (""): keiner.',
)


@signing.command("seal", changes_state=True)
@click.option("--pkcs12", metavar="DATEI", type=click.Path(dir_okay=False), help="Siegel-Datei.")
@_PASSWORD_ENV
@_TSA
@click.option(
    "--trust-root",
    "trust_roots",
    multiple=True,
    metavar="DATEI.pem",
    type=click.Path(dir_okay=False, exists=True),
    help="Wurzelzertifikat der Zertifizierungsstelle (und des Zeitstempeldienstes).",
)
@click.option(
    "--pkcs11-module",
    metavar="BIBLIOTHEK",
    type=click.Path(dir_okay=False, exists=True),
    help="Statt einer Datei: PKCS#11-Bibliothek des Tokens oder HSM (vom Hersteller).",
)
@click.option("--token", "token_label", metavar="NAME", help="Bezeichnung des Tokens.")
@click.option(
    "--key-label",
    default="siegel",
    metavar="NAME",
    help="Bezeichnung von Schlüssel und Zertifikat.",
)
@click.option("--pin-env", default="", metavar="VARIABLE", help="Umgebungsvariable mit der PIN.")
@pass_workspace
def signing_seal(
    ws: Workspace,
    pkcs12: str | None,
    password_env: str,
    timestamp_url: str | None,
    trust_roots: tuple[str, ...],
    pkcs11_module: str | None,
    token_label: str | None,
    key_label: str,
    pin_env: str,
) -> None:
    """Das Siegel der Fachstelle für PDF-Signaturen einrichten und prüfen.

    Prüft die Datei einer Zertifizierungsstelle (Kennwort, Schlüsselverwendung, Gültigkeit,
    Kette bis zur Wurzel) und fragt den Zeitstempeldienst einmal an; erst dann trägt es beides
    in die lokale Einstellung ein. Ohne eigene Zertifizierungsstelle: „lafast signing ca“.

    \b
    Beispiele:  lafast signing seal --pkcs12 /etc/lafast/siegel.p12 --password-env SIEGEL_PW
                lafast signing seal --pkcs11-module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so \\
                    --token Siegel --key-label siegel --pin-env TOKEN_PIN
                lafast signing seal --timestamp-url https://zeitstempel.example/tsr
    """
    token = None
    if pkcs11_module or token_label:
        if not (pkcs11_module and token_label) or pkcs12:
            raise SigningError(
                "Für einen Token braucht es --pkcs11-module und --token (und kein --pkcs12).",
                hint="z. B. --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --token lafast",
            )
        token = core.keyring.Token(Path(pkcs11_module).absolute(), token_label, key_label, pin_env)
    r = core.seal.setup_seal(
        ws,
        pkcs12=path_or_none(pkcs12),
        token=token,
        password_env=password_env,
        timestamp_url=timestamp_url,
        trust_roots=tuple(Path(p) for p in trust_roots),
    )
    _print_seal(ws, r)


@signing.command("ca", changes_state=True)
@click.argument("ordner", type=click.Path(file_okay=False))
@_PASSWORD_ENV
@click.option(
    "--root-password-env",
    metavar="VARIABLE",
    required=True,
    help="Umgebungsvariable mit dem Kennwort für den Schlüssel der Wurzel.",
)
@_TSA
@pass_workspace
def signing_ca(
    ws: Workspace,
    ordner: str,
    password_env: str,
    root_password_env: str,
    timestamp_url: str | None,
) -> None:
    """Eigene Zertifizierungsstelle anlegen (oder das Siegel aus ihr erneuern).

    Für eine Fachstelle ohne Zertifizierungsstelle: legt in ORDNER eine Wurzel (Schlüssel
    verschlüsselt, danach sicher verwahren) und ein Siegel an und richtet das Siegel ein.
    Liegt dort schon eine Wurzel, stellt es ein neues Siegel aus: veröffentlichte Dateien
    bleiben echt. Den Fingerabdruck der Wurzel im Impressum veröffentlichen.

    \b
    Beispiel:  lafast signing ca ~/lafast-ca --password-env SIEGEL_PW \\
                   --root-password-env WURZEL_PW
    """
    if not password_env:
        raise SigningError(
            "Das Siegel braucht ein Kennwort: „--password-env VARIABLE“ fehlt.",
            hint="z. B. „read -s SIEGEL_PW && export SIEGEL_PW“, dann --password-env SIEGEL_PW",
        )
    r = core.seal.setup_office_ca(
        ws,
        Path(ordner),
        password_env=password_env,
        root_password_env=root_password_env,
        timestamp_url=timestamp_url,
    )
    ca = r.ca
    assert ca is not None
    if ca.created:
        click.echo(f"Eigene Zertifizierungsstelle angelegt: {ca.folder} (siehe LIESMICH.txt).")
    else:
        click.echo(f"Neues Siegel aus der Wurzel {ca.root_cert} ausgestellt.")
    if ca.retired is not None:
        click.echo(f"Das bisherige Siegel bleibt als {ca.retired.name} erhalten.")
    _print_seal(ws, r)


def _print_seal(ws: Workspace, r: Any) -> None:
    if r.subject:
        click.echo(f"Siegel: {r.subject}, gültig bis {r.ends:%d.%m.%Y}")
    if r.anchor is not None:
        click.echo(f"Vertrauensanker: {r.anchor}")
    if r.anchor_fingerprint:
        click.echo(
            "Fingerabdruck (im Impressum veröffentlichen): "
            + core.trust.show_fingerprint(r.anchor_fingerprint)
        )
    show.lines(f"Hinweis: {n}" for n in r.notes)
    if r.timestamp_url:
        click.echo(f"Zeitstempeldienst: {r.timestamp_url} (antwortet)")
    click.echo(f"Lokale Einstellung: {r.local_file}\n")
    show.findings(core.doctor.signing_findings(ws))


def _ask_setup(
    ws: Workspace, key: str | None, listed: str | None, add: bool, fmt: str | None
) -> tuple[str | None, str | None, bool]:
    """The German questions of `signing setup` at a terminal (options given are not asked)."""
    openpgp = (fmt or ws.config.signing.git) == "openpgp"
    if key is None and openpgp:
        key = click.prompt("Fingerabdruck Ihres OpenPGP-Schlüssels") or None
    elif key is None and not core.enrol.DEFAULT_KEY.expanduser().exists():
        key = (
            click.prompt(
                "Vorhandenen SSH-Schlüssel verwenden? Pfad angeben – oder Eingabetaste: "
                f"neuen Schlüssel {core.enrol.DEFAULT_KEY} anlegen",
                default="",
                show_default=False,
            )
            or None
        )
    if listed is None and core.keyring.load_keyring(ws).allowed_signers is None:
        listed = click.prompt(
            "Wo liegt die Liste der zugelassenen Schlüssel?", default=str(core.enrol.DEFAULT_LIST)
        )
    if not add:
        answer = click.prompt(
            "Pflegen Sie diese Liste selbst (Ihren Eintrag jetzt hinzufügen)? ja/nein",
            type=click.Choice(["ja", "nein", "j", "n"], case_sensitive=False),
            default="nein",
            show_choices=False,
        )
        add = answer.lower().startswith("j")
    return key, listed, add


def _ask_person(ws: Workspace) -> str:
    ids = [p.id for p in ws.config.people]
    if not sys.stdin.isatty():
        raise SignerSetupError(
            "Wer richtet ein? Es fehlt „--person KENNUNG“.",
            hint="Personenkennungen: " + (", ".join(ids) or "keine (lafast.yaml, people)") + ".",
        )
    for p in ws.config.people:
        click.echo(f"  {p.id:<24} {p.name}")
    return str(click.prompt("Ihre Personenkennung", type=click.Choice(ids), show_choices=False))
