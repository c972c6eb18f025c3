"""Schreiben: new, list, status, save, version, log, diff, check, render."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from lafast_docs.cli import core, show
from lafast_docs.cli.base import WRITING, command, exit_with, group, pass_workspace
from lafast_docs.cli.options import (
    formats_option,
    json_option,
    out_option,
    output_path,
    slug_argument,
)

if TYPE_CHECKING:
    from lafast_docs.office.status import DocStatus
    from lafast_docs.text.history import BlockChange
    from lafast_docs.workspace import Workspace


@command(stage=WRITING, changes_state=True)
@click.argument("typ", type=click.Choice(["fachstandard", "stellungnahme"]))
@slug_argument(required=False)
@click.option("--title", "-t", required=True, help="Titel des Dokuments.")
@pass_workspace
def new(ws: Workspace, typ: str, kurzname: str | None, title: str) -> None:
    """Neuen Entwurf aus der Vorlage anlegen.

    Ohne KURZNAME wird er aus dem Titel gebildet (Umlaute umschrieben).

    \b
    Beispiel:  lafast new fachstandard mindeststandards-fsa --title "Mindeststandards FSA"
    """
    d = core.drafts.new_draft(ws, typ, kurzname, title)
    click.echo(f"Angelegt: {d.path}")
    show.hint(f'Text bearbeiten, dann „lafast save {d.slug} -m "…"“.')


def _json_or_empty(rows: list[DocStatus], as_json: bool) -> bool:
    """Print JSON, or the hint for an empty workspace; True when nothing more is to print."""
    if as_json:
        show.as_json([r.as_dict() for r in rows])
        return True
    if not rows:
        click.echo("Noch keine Dokumente. Anlegen mit „lafast new fachstandard --title …“.")
        return True
    return False


@command("list", stage=WRITING)
@json_option
@pass_workspace
def list_(ws: Workspace, as_json: bool) -> None:
    """Alle Dokumente auflisten.

    \b
    Beispiel:  lafast list
    """
    rows = core.status.document_status(ws, with_history=False)
    if not _json_or_empty(rows, as_json):
        show.table(
            ["Kurzname", "Typ", "Titel", "Version"],
            [[r.slug, r.type_name, r.title or r.problem.splitlines()[0], r.version] for r in rows],
        )


@command(stage=WRITING, short_help="Stand aller Dokumente: Version, Freigaben, letzte Änderung.")
@json_option
@pass_workspace
def status(ws: Workspace, as_json: bool) -> None:
    """Stand aller Dokumente: Bearbeitungsstand, Version, letzte Änderung.

    \b
    Beispiel:  lafast status
    """
    rows = core.status.document_status(ws)
    if not _json_or_empty(rows, as_json):
        _print_status(rows)


def _print_status(rows: list[DocStatus]) -> None:
    table = []
    for r in rows:
        lc = r.last_change
        last = f"{lc.date:%d.%m.%Y %H:%M} ({lc.author})" if lc else "nie gespeichert"
        if r.unsaved:
            last += " – ungespeicherte Änderungen"
        state = r.state_name if not r.problem else "FEHLER"
        table.append([r.slug, r.type_name, state, r.version, r.signoffs or "–", last])
    show.table(["Kurzname", "Typ", "Stand", "Version", "Freigaben", "Letzte Änderung"], table)
    for r in rows:
        if r.problem:
            show.err(r.problem)
        for note in r.signoff_notes:
            click.echo(f"{r.slug}: Freigabe ungültig – {note}")
        for note in r.figure_notes:
            click.echo(f"{r.slug}: {note}")


@command(stage=WRITING, changes_state=True)
@slug_argument()
@click.option("--message", "-m", required=True, help="Was wurde geändert?")
@pass_workspace
def save(ws: Workspace, kurzname: str, message: str) -> None:
    """Änderungen an einem Entwurf speichern (ein git-Commit).

    \b
    Beispiel:  lafast save mindeststandards-fsa -m "Abschnitt Datenschutz ergänzt"
    """
    sha = core.drafts.save_draft(ws, kurzname, message)
    click.echo(f"Gespeichert als {sha[:10]}." if sha else "Keine Änderungen – nichts gespeichert.")
    if sha:
        show.hint(
            f"„lafast render {kurzname}“ zum Ansehen, oder „lafast consult open {kurzname} "
            "--deadline JJJJ-MM-TT --invite alle“ für eine Beteiligungsrunde."
        )


@command(
    stage=WRITING,
    short_help="Versionsnummer zeigen oder erhöhen (z. B. 0.2 → 1.0).",
    changes_state=True,
)
@slug_argument()
@click.argument("neu", required=False, metavar="[NEUE_VERSION]")
@pass_workspace
def version(ws: Workspace, kurzname: str, neu: str | None) -> None:
    """Versionsnummer eines Entwurfs zeigen oder erhöhen (ein Commit).

    Ohne NEUE_VERSION: die jetzige Nummer, was schon veröffentlicht ist und die üblichen
    nächsten Nummern. Eine Nummer gilt für genau einen Inhalt: was veröffentlicht ist, wird
    nicht wieder vergeben.

    \b
    Beispiele:  lafast version mindeststandards-fsa
                lafast version mindeststandards-fsa 1.0
    """
    if neu is None:
        current = core.drafts.load_draft(ws, kurzname, editable=False).version
        published = sorted(core.versions.published_versions(ws, kurzname), key=core.versions.key)
        click.echo(f"{kurzname}: Version {current}")
        click.echo("Veröffentlicht: " + (", ".join(published) or "noch keine"))
        steps = core.versions.next_versions(current)
        click.echo(
            f"Nächste Nummer: {' oder '.join(steps)} („lafast version {kurzname} {steps[0]}“)"
        )
        return
    change = core.versions.set_version(ws, kurzname, neu)
    click.echo(
        f"{kurzname}: Version {change.old} → {change.new}, gespeichert als {change.commit[:10]}."
    )
    roles = ", ".join(f"„lafast signoff {kurzname} --as {r}“" for r in change.approvers)
    if roles:
        click.echo(f"Freigaben für Version {change.new} einholen: {roles}.")


@command(stage=WRITING)
@slug_argument()
@pass_workspace
def log(ws: Workspace, kurzname: str) -> None:
    """Versionsgeschichte eines Entwurfs.

    \b
    Beispiel:  lafast log mindeststandards-fsa
    """
    commits = core.history.log(ws, kurzname)
    if not commits:
        click.echo("Noch nicht gespeichert.")
        return
    show.table(
        ["Version", "Datum", "Von", "Beschreibung"],
        [[c.short, f"{c.date:%d.%m.%Y %H:%M}", c.author, c.subject] for c in commits],
    )


@command(stage=WRITING)
@slug_argument()
@click.argument("version_a", required=False)
@click.argument("version_b", required=False)
@pass_workspace
def diff(ws: Workspace, kurzname: str, version_a: str | None, version_b: str | None) -> None:
    """Änderungen zwischen zwei Versionen, nach Randnummern.

    Ohne Angaben: zuletzt gespeicherte Version gegen die Arbeitskopie. Versionen sind die
    Kennungen aus „lafast log“ (oder „arbeitskopie“).

    \b
    Beispiele:  lafast diff mindeststandards-fsa
                lafast diff mindeststandards-fsa 3f2a1c9 arbeitskopie
    """
    a, b, changes = core.history.diff(ws, kurzname, version_a, version_b)
    if not changes:
        click.echo(f"Keine Änderungen am Text zwischen {a} und {b}.")
        return
    click.echo(f"Änderungen von {a} nach {b}: {len(changes)} Randnummer(n)\n")
    for ch in changes:
        _print_change(ch)


def _print_change(ch: BlockChange) -> None:
    ref = ch.new or ch.old
    assert ref is not None
    where = f"{ref.section_number} {ref.section_title}".strip()
    if ch.kind == "geaendert":
        head = (
            f"Rn. {ch.old.rn} → Rn. {ch.new.rn} geändert"  # type: ignore[union-attr]
            if ch.old.rn != ch.new.rn  # type: ignore[union-attr]
            else f"Rn. {ch.new.rn} geändert"  # type: ignore[union-attr]
        )
    elif ch.kind == "neu":
        head = f"Rn. {ref.rn} neu"
    else:
        head = f"Rn. {ref.rn} (alt) entfallen"
    click.secho(f"{head}  [{where}]" if where else head, bold=True)
    click.echo("  " + show.words(ch.words).replace("\n", "\n  ") + "\n")


@command(stage=WRITING, short_help="Barrierefreiheit des Textes prüfen.")
@slug_argument()
@json_option
@pass_workspace
def check(ws: Workspace, kurzname: str, as_json: bool) -> None:
    """Barrierefreiheit prüfen: Bilder ohne Alternativtext, übersprungene Überschriften,
    leere oder nichtssagende Verweise, Tabellen ohne Kopfzeile. Dazu Hinweise auf Kennzahlen
    und Rechtsgrundlagen, die von Hand geschrieben sind, obwohl das Register sie führt.

    Endgültige Fassungen (render --final) werden nur ohne solche Befunde erzeugt.

    \b
    Beispiel:  lafast check mindeststandards-fsa
    """
    problems, hints = core.accessibility.review(core.drafts.load_draft(ws, kurzname))
    if as_json:
        show.as_json(
            [{"datei": str(p.path), "zeile": p.line, "befund": p.message} for p in problems]
            + [{"datei": str(p.path), "zeile": p.line, "hinweis": p.message} for p in hints]
        )
    elif not problems:
        click.echo(f"{kurzname}: keine Befunde zur Barrierefreiheit.")
    else:
        click.echo(f"{kurzname}: {len(problems)} Befund(e) zur Barrierefreiheit:")
        show.lines(f"  {p.location()}: {p.message}" for p in problems)
    if hints and not as_json:
        click.echo(f"{kurzname}: {len(hints)} Hinweis(e) zu Kennzahlen und Rechtsgrundlagen:")
        show.lines(f"  {p.location()}: {p.message}" for p in hints)
    if problems:
        exit_with(1)


@command(
    stage=WRITING,
    short_help="PDF, DOCX und HTML erzeugen (auch endgültig und signiert).",
    changes_state=True,
)
@slug_argument(nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Alle Entwürfe des Arbeitsbereichs.")
@formats_option("pdf,docx,html")
@out_option()
@click.option("--force", is_flag=True, help="Neu erzeugen, auch wenn sich nichts geändert hat.")
@click.option(
    "--final",
    is_flag=True,
    help="Endgültige, freigegebene Fassung (mit Freigabe-Block, "
    "signiert); nur mit gültigen Freigaben.",
)
@click.option("--archive", is_flag=True, help="Mit --final: zusätzlich eine Archiv-PDF (PDF/A-3a).")
@pass_workspace
def render(ws: Workspace, kurzname: tuple[str, ...], all_: bool, **kw: Any) -> None:
    """PDF (barrierefrei), DOCX und HTML eines oder mehrerer Entwürfe erzeugen.

    \b
    Beispiele:  lafast render mindeststandards-fsa
                lafast render mindeststandards-fsa --format pdf --out ~/Schreibtisch
                lafast render --all
                lafast render mindeststandards-fsa --final --archive
    """
    final = kw["final"]
    slugs = _render_slugs(ws, kurzname, all_, final=final, archive=kw["archive"])
    product = core.final.FINAL if final else core.document.DOCUMENT
    formats = core.pipeline.parse_formats(kw["formats"], product)
    where = {"formats": formats, "out_dir": output_path(ws, kw["out"]), "force": kw["force"]}
    if final:  # every document checked first, then all formats of all on all cores
        with show.progress() as bar:
            results = core.final.render_finals(
                ws, list(slugs), archive=kw["archive"], **where, progress=bar
            )
        for result in results:
            show.final(result)
        return
    with show.progress(len(slugs) * len(formats), "Erzeuge Dokumente") as bar:
        made = core.document.render_many(ws, list(slugs), **where, progress=bar)
    for outputs in made:
        show.outputs(outputs, cached=True)
    show.hint(f"„lafast check {slugs[0]}“ prüft die Barrierefreiheit des Textes.")


def _render_slugs(
    ws: Workspace, kurzname: tuple[str, ...], all_: bool, *, final: bool, archive: bool
) -> tuple[str, ...]:
    """The drafts to render: the named ones or --all; usage errors for wrong combinations."""
    if all_ == bool(kurzname):
        raise click.UsageError("Geben Sie einen oder mehrere KURZNAMEN an oder --all.")
    if all_:
        kurzname = tuple(sorted(p.parent.name for p in ws.drafts_dir.glob("*/document.md")))
    if archive and not final:
        raise click.UsageError("--archive gibt es nur zusammen mit --final.")
    return kurzname


@command(stage=WRITING, short_help="Live-Vorschau im Browser, die sich beim Speichern erneuert.")
@slug_argument()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port auf 127.0.0.1 (nur dieser Rechner); 0: ein freier Port.",
)
@click.option("--oeffnen", is_flag=True, help="Die Vorschau gleich im Browser öffnen.")
@click.option("--ohne-pdf", is_flag=True, help="Keine PDF-Vorschau im Hintergrund erstellen.")
@pass_workspace
def vorschau(ws: Workspace, kurzname: str, port: int, oeffnen: bool, ohne_pdf: bool) -> None:
    """Den Entwurf im Browser ansehen, während Sie schreiben.

    Die Seite erneuert sich nach jedem Speichern von selbst und bleibt bei der Randnummer, an
    der Sie gerade arbeiten. Fehler im Entwurf erscheinen oben auf der Seite. Die PDF-Fassung
    wird im Hintergrund erstellt und oben angeboten, sobald sie fertig ist. Nur auf diesem
    Rechner erreichbar (127.0.0.1). Beenden mit Strg+C.

    \b
    Beispiele:  lafast vorschau mindeststandards-fsa
                lafast vorschau mindeststandards-fsa --port 8001 --oeffnen
    """
    server = core.preview_server.start(ws, kurzname, port=port, pdf=not ohne_pdf)
    click.echo(f"Vorschau von {kurzname}: {server.url}")
    click.echo("Im Browser öffnen; nach jedem Speichern erneuert sich die Seite. Beenden: Strg+C.")
    if oeffnen:
        click.launch(server.url)
    core.preview_server.serve(server)
    click.echo("Vorschau beendet.")


@group(stage=WRITING, short_help="Kennzahlen und Rechtsgrundlagen: Register und Verwendung.")
def register() -> None:
    """Kennzahlen und Rechtsgrundlagen des Registers (kennzahlen.yaml) anzeigen und sehen,
    wo sie verwendet werden.

    Im Text steht z. B. [1:80]{kz=betreuungsschluessel} oder [§ 12 LAufnG]{norm=laufng-12};
    beim Erzeugen gilt der Wert zum Stand des Dokuments.
    """


@register.command("list")
@json_option
@pass_workspace
def register_list(ws: Workspace, as_json: bool) -> None:
    """Alle Einträge des Registers mit ihren Werten und deren Gültigkeit.

    \b
    Beispiel:  lafast register list
    """
    reg = core.register.load_register(ws)
    rows = [
        [e.id, e.kind_name, e.title, p.value, p.span(), p.source or p.version]
        for e in reg
        for p in e.periods
    ]
    if as_json:
        keys = ("kurzname", "art", "titel", "wert", "gueltig", "quelle")
        show.as_json([dict(zip(keys, r, strict=True)) for r in rows])
    elif not rows:
        click.echo(f"Das Register ist leer. Einträge in {reg.path.name} anlegen (siehe README).")
    else:
        show.table(["Kurzname", "Art", "Titel", "Wert", "Gültig", "Quelle"], rows)


@register.command("used")
@click.argument("kurzname", required=False)
@json_option
@pass_workspace
def register_used(ws: Workspace, kurzname: str | None, as_json: bool) -> None:
    """Wo Kennzahlen und Rechtsgrundlagen verwendet werden: Entwürfe und veröffentlichte
    Versionen, mit Randnummern; veraltete Werte sind markiert.

    \b
    Beispiel:  lafast register used betreuungsschluessel
    """
    places = core.figures.where_used(ws, kurzname)
    if as_json:
        show.as_json([p.as_dict() for p in places])
        return
    if not places:
        click.echo(
            f"„{kurzname}“ wird nirgends verwendet."
            if kurzname
            else "Kein Dokument verwendet das Register."
        )
        return
    show.table(
        ["Kurzname", "Verwendet in", "Wert", "Hinweis"],
        [[p.id, p.where, p.shown or "–", p.note() or "aktuell"] for p in places],
    )


@register.command("set", changes_state=True)
@click.argument("kurzname")
@click.argument("wert")
@click.option(
    "--ab",
    "since",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="JJJJ-MM-TT",
    help="Ab wann der neue Wert gilt; der bisherige gilt bis zum Vortag.",
)
@click.option("--quelle", default="", help="Norm und Paragraf oder Veröffentlichung.")
@click.option("--link", default="", help="Web-Adresse der Quelle (https://…).")
@pass_workspace
def register_set(
    ws: Workspace, kurzname: str, wert: str, since: Any, quelle: str, link: str
) -> None:
    """Neuen Wert eintragen: der bisherige bleibt mit seiner Gültigkeit erhalten. Zeigt, welche
    Entwürfe und veröffentlichten Versionen den Eintrag verwenden.

    \b
    Beispiel:  lafast register set msa-koordination 56 --ab 2027-01-01 \\
                 --quelle "Haushaltsgesetz 2027/2028"
    """
    entry, places = core.figures.set_value(
        ws, kurzname, wert, since=since.date(), source=quelle, link=link
    )
    history = "; ".join(f"{p.value} ({p.span()})" for p in entry.periods)
    click.echo(f"Gespeichert: {entry.label()} – {history}")
    if not places:
        click.echo("Kein Dokument verwendet diesen Eintrag.")
        return
    click.echo(f"Verwendet in {len(places)} Fassung(en):")
    show.lines(
        f"  {p.where}: {p.shown or '–'}" + (f" – {p.note()}" if p.note() else "") for p in places
    )
