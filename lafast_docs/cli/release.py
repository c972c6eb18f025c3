"""Freigabe und Veröffentlichung: signoff (erteilen, status), publish, verify."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from lafast_docs.cli import core, show
from lafast_docs.cli.base import RELEASE, Group, command, group, pass_workspace, workspace
from lafast_docs.cli.options import path_or_none, slug_argument
from lafast_docs.errors import (
    NotAuthentic,
    NotVerifiable,
    Problem,
    WorkspaceNotFound,
)

if TYPE_CHECKING:
    from lafast_docs.release.trust import SigCheck
    from lafast_docs.release.verify import Report
    from lafast_docs.workspace import Workspace


class _SignoffGroup(Group):
    """`lafast signoff SLUG --as ROLE` and `lafast signoff status SLUG` side by side."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["erteilen", *args]
        return super().parse_args(ctx, args)


@group(
    stage=RELEASE,
    cls=_SignoffGroup,
    short_help="Fassung freigeben oder den Stand der Freigaben zeigen.",
)
def signoff() -> None:
    """Freigabe: eine gespeicherte Fassung freigeben oder den Stand der Freigaben zeigen.

    \b
    Beispiele:  lafast signoff mindeststandards-fsa --as leitung --note "Vorstand 2.12."
                lafast signoff status mindeststandards-fsa
    """


@signoff.command("erteilen", changes_state=True)
@slug_argument()
@click.option("--as", "role", required=True, metavar="ROLLE", help="Rolle, z. B. leitung.")
@click.option(
    "--person",
    metavar="KENNUNG",
    help="Wer freigibt (nur nötig ohne Signatur, wenn mehrere Personen die Rolle haben).",
)
@click.option("--note", default="", help="Bemerkung zur Freigabe.")
@pass_workspace
def signoff_grant(ws: Workspace, kurzname: str, role: str, person: str | None, note: str) -> None:
    """Die gespeicherte Fassung in einer Rolle freigeben.

    \b
    Beispiel:  lafast signoff mindeststandards-fsa --as leitung
    """
    r = core.signoff.sign_off(ws, kurzname, role, person=person, note=note)
    a = r.approval
    click.echo(
        f"Freigabe erteilt: {a.name} als {ws.config.roles.get(a.role, a.role)}, "
        f"Version {a.version}, Fassung {a.commit[:10]} ({a.tag})."
    )
    if r.authenticated:
        click.echo("Die Freigabe ist mit Ihrem Schlüssel signiert und von git geprüft.")
    else:
        show.err(show.UNAUTHENTICATED)
    show.signoff_status(r.status)


@signoff.command("status")
@slug_argument()
@pass_workspace
def signoff_show(ws: Workspace, kurzname: str) -> None:
    """Welche Freigaben vorliegen, welche fehlen und warum eine ungültig ist.

    \b
    Beispiel:  lafast signoff status mindeststandards-fsa
    """
    st = core.signoff.signoff_status(ws, kurzname)
    click.echo(f"Freigaben für {kurzname}, Version {st.version} (geprüft an {st.commit[:10]}):")
    show.signoff_status(st)
    if not st.signing:
        show.err(show.UNAUTHENTICATED)


@command(
    stage=RELEASE,
    short_help="Freigegebene Fassung auf der Website veröffentlichen.",
    changes_state=True,
)
@slug_argument()
@click.option(
    "--site",
    required=True,
    metavar="ORDNER",
    type=click.Path(file_okay=False),
    help="Ordner der Website (wird angelegt).",
)
@click.option(
    "--synopse",
    "with_synopse",
    is_flag=True,
    help="Auch die Synopse veröffentlichen (nur Rückmeldungen mit Einwilligung).",
)
@pass_workspace
def publish(ws: Workspace, kurzname: str, site: str, with_synopse: bool) -> None:
    """Freigegebene Fassung veröffentlichen: PDF, DOCX, HTML, Übersicht, Feed, Prüfsummen.

    \b
    Beispiel:  lafast publish mindeststandards-fsa --site ~/website/veroeffentlichungen
    """
    with show.progress() as bar:
        r = core.publish.publish(ws, kurzname, Path(site), synopse=with_synopse, progress=bar)
    click.echo(f"Veröffentlicht: {r.entry['titel']}, Version {r.entry['version']}")
    show.lines(f"  {f}" for f in r.files)
    click.echo(f"Übersicht: {r.site / 'index.html'} (dazu feed.atom, catalogue.json, SHA256SUMS)")
    if r.fingerprint:
        click.echo(
            "Prüfsummenliste signiert; Fingerabdruck des Zertifikats der Fachstelle: "
            + core.trust.show_fingerprint(r.fingerprint)
            + " (so veröffentlichen, z. B. im Impressum)."
        )


@command(stage=RELEASE, short_help="Prüfen, ob eine Datei die freigegebene Fassung ist.")
@click.argument("datei", type=click.Path(dir_okay=False))
@click.option(
    "--site",
    metavar="ORDNER",
    type=click.Path(file_okay=False),
    help="Website-Ordner mit SHA256SUMS und SHA256SUMS.p7s (Vorgabe: über der Datei).",
)
@click.option(
    "--trust",
    "trust",
    multiple=True,
    metavar="ZERTIFIKAT|SHA256:…",
    help="Vertrauensanker: Zertifikatsdatei der Fachstelle oder ihr SHA-256-Fingerabdruck "
    "(mehrfach möglich).",
)
@click.option(
    "--online",
    is_flag=True,
    help="Beim Aussteller nachfragen, ob das Zertifikat widerrufen ist (OCSP/CRL; braucht Netz).",
)
@click.option(
    "--crl",
    "crls",
    multiple=True,
    metavar="DATEI",
    type=click.Path(dir_okay=False),
    help="Sperrliste (CRL) der Zertifizierungsstelle, z. B. sperrliste.crl von der Website "
    "(mehrfach möglich; die im Website-Ordner wird von selbst geprüft).",
)
@click.pass_context
def verify(
    ctx: click.Context,
    datei: str,
    site: str | None,
    trust: tuple[str, ...],
    online: bool,
    crls: tuple[str, ...],
) -> None:
    """Prüfen, ob eine Datei die freigegebene und veröffentlichte Fassung ist.

    „echt“ nur, wenn eine Signatur, die zu einem Vertrauensanker führt, genau diese Datei
    deckt: die Signatur der PDF-Datei oder die signierte Prüfsummenliste der Website.
    Vertrauensanker: das Zertifikat der Fachstelle (--trust DATEI.pem), ihr Fingerabdruck
    (--trust SHA256:…) oder die auf diesem Rechner eingerichteten „trust_roots“. Ein
    widerrufenes Zertifikat (Sperrliste: --crl DATEI, sperrliste.crl im Website-Ordner, oder
    --online) macht Signaturen NICHT echt, die nach dem Widerruf entstanden sind.

    Rückgabewert 0: echt; 8: NICHT echt (verändert, nachträglich ergänzt, nicht freigegeben,
    nicht vertrauenswürdig signiert); 10: nicht prüfbar (kein Vertrauensanker).

    \b
    Beispiele:  lafast verify ~/Downloads/mindeststandards-fsa-1.0.pdf --trust SHA256:3F:A1:…
                lafast verify seite.html --site ~/website --trust fachstelle.pem
                lafast verify fassung.pdf --trust zertifikat.pem --crl sperrliste.crl
    """
    try:
        ws: Workspace | None = workspace(ctx)
    except WorkspaceNotFound:
        ws = None
    r = core.verify.verify(
        Path(datei),
        ws=ws,
        site=path_or_none(site),
        trust=trust,
        online=online,
        crls=tuple(Path(c) for c in crls),
    )
    _print_report(r, checked_signoffs=ws is not None)
    if r.verdict == core.verify.NICHT_ECHT:
        raise NotAuthentic(
            "Die Datei ist NICHT echt:",
            problems=[Problem(p) for p in r.problems],
            hint="Laden Sie die Datei erneut von der Website der Fachstelle.",
        )
    if r.verdict == core.verify.NICHT_PRUEFBAR:
        raise NotVerifiable(
            "Die Datei ist nicht prüfbar:",
            problems=[Problem(p) for p in r.unproven],
            hint="Geben Sie das Zertifikat der Fachstelle an: „--trust zertifikat.pem“ oder "
            "„--trust SHA256:…“ mit dem Fingerabdruck, den die Fachstelle veröffentlicht "
            "(Impressum, Schreiben); bei HTML- und Word-Dateien dazu „--site ORDNER“.",
        )
    click.echo("Ergebnis: echt – die Datei ist die freigegebene Fassung.")


_SUMS = {"stimmt": "stimmt überein", "abweichend": "WEICHT AB", "fehlt": "nicht verzeichnet"}


def _signature_line(label: str, c: SigCheck) -> str:
    state = "gültig" if c.intact and c.valid else "UNGÜLTIG"
    trusted = {True: "vertrauenswürdig", False: "NICHT vertrauenswürdig", None: "ungeprüft"}
    when = f", {c.signed_at.astimezone():%d.%m.%Y %H:%M}" if c.signed_at else ""
    if c.timestamped:
        when += " (Zeitstempel" + (", mit Prüfdaten" if c.validation_data else "") + ")"
    return f"{label}: {state}, Zertifikat {trusted[c.trusted]}; {c.signer}{when}"


def _print_report(r: Report, *, checked_signoffs: bool) -> None:
    i = r.identity
    click.echo(f"Datei: {r.file}\nSHA-256: {r.sha256}")
    if i.slug:
        click.echo(f"Dokument: {i.slug}, Version {i.version}, Fassung {i.commit}")
    for s in r.signoffs:
        state = "gültig" if s["gueltig"] else "UNGÜLTIG"
        how = ", signiert und geprüft" if s["signiert"] else ""
        click.echo(f"Freigabe: {s['name']} ({s['rolle']}, {s['datum']:%d.%m.%Y}) – {state}{how}")
    if not checked_signoffs:
        click.echo("Freigaben nicht geprüft (kein Arbeitsbereich).")
    for c in r.pdf.signatures if r.pdf is not None else ():
        click.echo(_signature_line("Zeitstempel" if c.timestamp else "PDF-Signatur", c))
    if r.sums is not None:
        click.echo(f"Prüfsummenliste ({r.sums.path}): {_SUMS[r.sums.entry]}")
        if r.sums.signature is not None:
            click.echo(_signature_line("Signatur der Prüfsummenliste", r.sums.signature))
    click.echo(
        "Vertrauensanker: "
        + (
            ", ".join(
                [*map(str, r.anchors.files), *map(core.trust.show_fingerprint, r.anchors.pins)]
            )
            or "keiner"
        )
    )
    show.lines(f"Hinweis: {n}" for n in r.notes)
