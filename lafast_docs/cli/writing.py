"""Schreiben: new, list, status, save, version, log, diff, check, render."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from lafast_docs.cli import core, show
from lafast_docs.cli.base import WRITING, command, exit_with, pass_workspace
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
    leere oder nichtssagende Verweise, Tabellen ohne Kopfzeile.

    Endgültige Fassungen (render --final) werden nur ohne solche Befunde erzeugt.

    \b
    Beispiel:  lafast check mindeststandards-fsa
    """
    problems = core.accessibility.check(core.drafts.load_draft(ws, kurzname))
    if as_json:
        show.as_json(
            [{"datei": str(p.path), "zeile": p.line, "befund": p.message} for p in problems]
        )
    elif not problems:
        click.echo(f"{kurzname}: keine Befunde zur Barrierefreiheit.")
    else:
        click.echo(f"{kurzname}: {len(problems)} Befund(e) zur Barrierefreiheit:")
        show.lines(f"  {p.location()}: {p.message}" for p in problems)
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
    if final:
        for slug in slugs:
            show.final(core.final.render_final(ws, slug, archive=kw["archive"], **where))
        return
    with show.progress(len(slugs) * len(formats), "Erzeuge Dokumente") as bar:
        for slug in slugs:
            show.outputs(core.document.render(ws, slug, **where, progress=bar), cached=True)
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
