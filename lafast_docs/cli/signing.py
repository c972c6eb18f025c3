"""Signatur einrichten: signing setup (eigener Schlüssel), seal (Siegel), ca (eigene
Zertifizierungsstelle). Listed in `lafast --help` with the release stage (cli/release.py)."""

from __future__ import annotations

import datetime as dt
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
_ROOT_PASSWORD_ENV = click.option(
    "--root-password-env",
    metavar="VARIABLE",
    default="",
    help="Umgebungsvariable mit dem Kennwort für den Schlüssel der Wurzel (sonst wird am "
    "Terminal gefragt, ohne Anzeige).",
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
@_ROOT_PASSWORD_ENV
@_TSA
@click.option(
    "--site",
    metavar="ORDNER",
    type=click.Path(file_okay=False),
    help="Danach die Prüfsummenliste dieses Website-Ordners mit dem neuen Siegel signieren "
    "(nach einem Widerruf nötig) und die Sperrliste dorthin legen.",
)
@pass_workspace
def signing_ca(
    ws: Workspace,
    ordner: str,
    password_env: str,
    root_password_env: str,
    timestamp_url: str | None,
    site: str | None,
) -> None:
    """Eigene Zertifizierungsstelle anlegen (oder das Siegel aus ihr erneuern).

    Für eine Fachstelle ohne Zertifizierungsstelle: legt in ORDNER eine Wurzel (Schlüssel
    verschlüsselt, danach sicher verwahren), ein Siegel und eine Sperrliste an und richtet das
    Siegel ein. Liegt dort schon eine Wurzel, stellt es ein neues Siegel aus: veröffentlichte
    Dateien bleiben echt. Den Fingerabdruck der Wurzel im Impressum veröffentlichen. Ohne
    Variablen fragt es am Terminal nach den Kennwörtern (ohne Anzeige).

    \b
    Beispiel:  lafast signing ca ~/lafast-ca --password-env SIEGEL_PW \\
                   --root-password-env WURZEL_PW
    """
    r = core.seal.setup_office_ca(
        ws,
        Path(ordner),
        password_env=password_env,
        root_password_env=root_password_env,
        timestamp_url=timestamp_url,
        site=path_or_none(site),
    )
    ca = r.ca
    assert ca is not None
    if ca.created:
        click.echo(f"Eigene Zertifizierungsstelle angelegt: {ca.folder} (siehe LIESMICH.txt).")
    else:
        click.echo(f"Neues Siegel aus der Wurzel {ca.root_cert} ausgestellt.")
    if ca.retired is not None:
        click.echo(f"Das bisherige Siegel bleibt als {ca.retired.name} erhalten.")
    if ca.crl_url:
        click.echo(f"Sperrliste: {ca.crl} (das Siegel verweist auf {ca.crl_url})")
    if site:
        click.echo(f"Prüfsummenliste der Website {site} mit dem neuen Siegel signiert.")
    _print_seal(ws, r)


@signing.command("revoke", changes_state=True)
@click.argument("ordner", type=click.Path(file_okay=False))
@click.option(
    "--siegel",
    "seal",
    metavar="DATEI",
    type=click.Path(dir_okay=False),
    help="Das zu widerrufende Siegel: .p12-Datei oder Zertifikat (.pem, z. B. aus "
    "ORDNER/ausgestellt/). Vorgabe: das aktuelle Siegel ORDNER/siegel.p12.",
)
@click.option(
    "--seit",
    metavar="DATUM",
    help="Widerrufen seit (JJJJ-MM-TT oder „JJJJ-MM-TT SS:MM“; Vorgabe: jetzt). Signaturen ab "
    "diesem Zeitpunkt gelten als NICHT echt.",
)
@click.option(
    "--grund",
    type=click.Choice(["schluessel", "ersetzt", "eingestellt"]),
    default="schluessel",
    show_default=True,
    help="schluessel: Schlüssel verloren oder gestohlen; ersetzt: durch ein neues Siegel; "
    "eingestellt: nicht mehr verwendet.",
)
@_PASSWORD_ENV
@_ROOT_PASSWORD_ENV
@click.option(
    "--site",
    metavar="ORDNER",
    type=click.Path(file_okay=False),
    help="Die neue Sperrliste gleich in diesen Website-Ordner legen (sonst beim nächsten "
    "„lafast publish“).",
)
@pass_workspace
def signing_revoke(
    ws: Workspace,
    ordner: str,
    seal: str | None,
    seit: str | None,
    grund: str,
    password_env: str,
    root_password_env: str,
    site: str | None,
) -> None:
    """Ein Siegel der eigenen Zertifizierungsstelle widerrufen (Sperrliste).

    Für ein verlorenes oder gestohlenes Siegel: trägt es mit dem Schlüssel der Wurzel in die
    Sperrliste ORDNER/sperrliste.crl ein. „lafast verify“ sagt dann „NICHT echt“ für
    Signaturen, die nach dem Widerruf entstanden sind; ältere mit Zeitstempel bleiben echt.
    Die Sperrliste kommt mit „lafast publish“ (oder --site) auf die Website.

    \b
    Beispiele:  lafast signing revoke ~/lafast-ca --root-password-env WURZEL_PW
                lafast signing revoke /media/usb/lafast-ca --siegel \\
                    /media/usb/lafast-ca/ausgestellt/siegel-5f3a.pem --seit 2026-11-28 \\
                    --site ~/website
    """
    r = core.seal.revoke_seal(
        ws,
        Path(ordner),
        seal=path_or_none(seal),
        password_env=password_env,
        root_password_env=root_password_env,
        at=_moment(seit),
        reason=grund,
        site=path_or_none(site),
    )
    v = r.revoked
    when = f"{v.at.astimezone():%d.%m.%Y %H:%M}"
    if v.already:
        click.echo(f"{v.subject} (Nr. {v.serial:x}) steht schon seit {when} in der Sperrliste.")
    else:
        click.echo(f"Widerrufen seit {when}: {v.subject} (Nr. {v.serial:x}).")
    click.echo(f"Sperrliste: {v.crl}")
    if r.published is not None:
        click.echo(f"Auf die Website gelegt: {r.published}")
    else:
        click.echo("Auf die Website kommt sie mit dem nächsten „lafast publish“ (oder --site).")
    if r.in_use:
        show.err(
            "Dieses Siegel ist auf diesem Rechner eingerichtet: mit „lafast signing ca "
            f"{ordner} --site WEBSITE-ORDNER“ ein neues ausstellen; das signiert auch die "
            "Prüfsummenliste der Website neu."
        )


@signing.command("archive", changes_state=True)
@click.option(
    "--site",
    required=True,
    metavar="ORDNER",
    type=click.Path(file_okay=False, exists=True),
    help="Website-Ordner, in den „lafast publish“ veröffentlicht.",
)
@pass_workspace
def signing_archive(ws: Workspace, site: str) -> None:
    """Veröffentlichten PDF-Dateien einen Archivzeitstempel geben (PAdES B-LTA).

    Ein Zeitstempel belegt den Zeitpunkt der Signatur nur, solange das Zertifikat des
    Zeitstempeldienstes gilt. Vorher ergänzt dieser Befehl jede signierte PDF-Datei der
    Website um aktuelle Prüfdaten und einen neuen Zeitstempel (die signierten Bytes bleiben,
    „lafast verify“ sagt weiter „echt“) und signiert die Prüfsummenliste neu. Alle paar Jahre
    wiederholen; „lafast doctor“ erinnert 60 Tage vorher.

    \b
    Beispiel:  lafast signing archive --site ~/website/veroeffentlichungen
    """
    r = core.archive.archive_site(ws, Path(site))
    click.echo(f"Archivzeitstempel ergänzt: {len(r.files)} PDF-Datei(en).")
    show.lines(f"  {f}" for f in r.files)
    if r.skipped:
        click.echo(f"Ohne Signatur, daher ohne Archivzeitstempel: {len(r.skipped)} Datei(en).")
    if r.tsa_ends is not None:
        click.echo(
            f"Die neuen Zeitstempel belegen den Zeitpunkt bis {r.tsa_ends:%d.%m.%Y}; davor "
            "erneut „lafast signing archive“ (doctor erinnert)."
        )
    click.echo("Prüfsummenliste der Website neu signiert.")


def _moment(text: str | None) -> dt.datetime | None:
    """`--seit`: a date (midnight, local time) or a date with time."""
    if not text:
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%d.%m.%Y %H:%M", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).astimezone()
        except ValueError:
            continue
    raise click.BadParameter(
        f"„{text}“ ist kein Datum; z. B. 2026-11-28 oder „2026-11-28 14:30“.", param_hint="--seit"
    )


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
