"""Ausprobieren: demo, the whole workflow on the shipped samples."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from lafast_docs.cli import core, show
from lafast_docs.cli.base import TRY, command

if TYPE_CHECKING:
    from lafast_docs.office.demo import DemoResult


@command(stage=TRY, short_help="Alles an Beispielen vorführen.")
@click.argument("ordner", required=False, default="lafast-demo", type=click.Path(file_okay=False))
def demo(ordner: str) -> None:
    """Alles an Beispielen zeigen: Arbeitsbereich anlegen, Entwürfe setzen.

    Legt ORDNER (Vorgabe: ./lafast-demo) an; ein Ordner aus einer früheren Demo wird ersetzt.

    \b
    Beispiel:  lafast demo ~/lafast-demo
    """
    result = core.demo.run_demo(Path(ordner), progress=show.err)
    click.echo(f"\nDemo fertig. Arbeitsbereich: {result.workspace.root}")
    for slug, outputs in result.outputs.items():
        click.echo(f"\n{slug}:")
        show.outputs(outputs, indent="  ")
    _print_consultation(result)
    _print_publication(result)
    click.echo("\nÖffnen Sie die PDF-Dateien im PDF-Programm, die HTML-Dateien im Browser.")


def _print_consultation(result: DemoResult) -> None:
    ws, slug = result.workspace, result.consulted
    if slug:
        click.echo(
            f"\nBeteiligungsrunde zu {slug} – eingelesene Rückmeldungen "
            f"(Dateien in {ws.build_dir / 'demo-eingang'}):"
        )
        show.lines(f"  {r.name}: {r.status} – {r.message}" for r in result.imports)
        click.echo("\n$ lafast consult status " + slug)
        show.round_state(ws, slug, None, json_=False)
        click.echo("\n$ lafast comments list " + slug)
        show.comment_list(ws, slug)
    if result.merge is not None:
        m = result.merge
        click.echo(
            f"\nAbwägung, Konsens der LAG und Übernahme: Version {m.version_from} → "
            f"{m.version_to}, {len(m.changes)} Änderung(en) übernommen "
            f"({', '.join(ch.comment_id for ch in m.changes)}); "
            f"{len(m.refused)} nicht übernommen, {len(m.not_textual)} ohne Textvorschlag."
        )


def _print_publication(result: DemoResult) -> None:
    for slug, final in result.final.items():
        roles = result.workspace.config.roles
        names = ", ".join(f"{a.name} ({roles.get(a.role, a.role)})" for a in final.status.approvals)
        click.echo(f"\nFreigegeben: {slug} – {names}; signiert mit Demo-Schlüsseln.")
        show.outputs(final.outputs, indent="  ")
    for r in result.verified:
        verdict = "echt" if r.authentic else "NICHT echt: " + "; ".join(r.problems)
        click.echo(f"\n$ lafast verify {r.file}\n  {verdict}")
    if result.site is not None:
        click.echo(f"\nWebsite zum Öffnen im Browser: {result.site / 'index.html'}")
