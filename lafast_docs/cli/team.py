"""Im Team: join, sync, conflict (two wordings of one passage), config save."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from lafast_docs.cli import core, show
from lafast_docs.cli.base import SETUP, TEAM, command, group, pass_workspace

if TYPE_CHECKING:
    from lafast_docs.workspace import Workspace


@command(stage=TEAM, short_help="Gemeinsamen Arbeitsbereich auf diesen Rechner holen.")
@click.argument("adresse")
@click.argument("ordner", required=False, type=click.Path(file_okay=False))
def join(adresse: str, ordner: str | None) -> None:
    """Gemeinsamen Arbeitsbereich der Kolleg*innen auf diesen Rechner holen und prüfen.

    ADRESSE ist das gemeinsame Archiv (wie in lafast.yaml unter „remote“), ORDNER der neue
    Ordner (Vorgabe: der Name aus der Adresse). lafast prüft, ob es ein gültiger
    Arbeitsbereich ist, und sagt, was auf diesem Rechner noch einzurichten ist.

    \b
    Beispiel:  lafast join https://git.fachstelle.example/texte/fachstelle.git ~/fachstelle
    """
    r = core.join.join_workspace(adresse, Path(ordner) if ordner else None)
    click.echo(
        f"Arbeitsbereich geholt: {r.workspace.root} ({r.drafts} Entwurf/Entwürfe, "
        f"Zweig {r.branch})."
    )
    if r.todo:
        click.echo("Auf diesem Rechner noch einzurichten:")
        show.lines(f"  - {t}" for t in r.todo)
    else:
        click.echo("Alles eingerichtet.")
    show.hint(f"„cd {r.workspace.root}“, dann „lafast status“; abgleichen mit „lafast sync“.")


@command(
    stage=TEAM,
    short_help="Mit dem gemeinsamen Archiv abgleichen (holen, übertragen).",
    changes_state=True,
)
@click.option(
    "--abbrechen",
    "--abort",
    "abort",
    is_flag=True,
    help="Einen nicht abgeschlossenen Abgleich zurücknehmen: alles wie vorher.",
)
@pass_workspace
def sync(ws: Workspace, abort: bool) -> None:
    """Mit dem gemeinsamen Archiv abgleichen: holen, eigene Fassungen anfügen, übertragen.

    Das Archiv steht in lafast.yaml unter „remote“. Haben zwei Personen dieselbe Textstelle
    geändert, führt lafast alles übrige zusammen und lässt Sie je Stelle wählen
    („lafast conflict show“, „lafast conflict keep“); „--abbrechen“ stellt den Stand
    vor dem Abgleich wieder her.

    \b
    Beispiel:  lafast sync
    """
    if abort:
        was, kept = core.conflict.abort(ws)
        if was:
            click.echo("Abgleich zurückgenommen: Ihr Arbeitsbereich ist wie vor dem Abgleich.")
        else:
            click.echo("Es gab keinen offenen Abgleich; nichts verändert.")
        show.lines(f"  Ihre Bearbeitung während des Abgleichs ist aufbewahrt: {p}" for p in kept)
        return
    r = core.sync.sync(ws)
    show.lines(f"Achtung, Widerspruch: {c}" for c in r.contradictions)
    if not r.pulled and not r.pushed:
        click.echo(f"Alles aktuell: Ihr Arbeitsbereich und {r.remote} sind gleich.")
        return
    click.echo(f"Abgeglichen mit {r.remote}: {r.pulled} Fassung(en) geholt, {r.pushed} übertragen.")
    show.lines(f"  Entscheidungen beider Seiten zusammengeführt: {path}" for path in r.joined)


@group(stage=TEAM)
def conflict() -> None:
    """Zwei Fassungen derselben Textstelle nach „lafast sync“ zusammenführen."""


@conflict.command("show")
@pass_workspace
def conflict_show(ws: Workspace) -> None:
    """Die strittigen Stellen zeigen: Ihre Fassung und die der Kollegin oder des Kollegen.

    \b
    Beispiel:  lafast conflict show
    """
    data = core.conflict.pending(ws)
    stellen = core.conflict.stellen_of(data or {})
    if not stellen:
        click.echo("Keine strittigen Textstellen.")
        return
    who = (data or {}).get("who") or "Kolleg*in"
    for s in stellen:
        chosen = "Ihre" if s.choice == core.conflict.MINE else f"die von {who}"
        click.echo(f"{s.path}, {s.label} [{s.key}] – im Entwurf steht jetzt {chosen} Fassung")
        click.echo(f"  Ihre Fassung:\n{_indent(s.mine)}")
        click.echo(f"  Fassung von {who}:\n{_indent(s.theirs)}")
    show.hint(
        f"„lafast conflict keep {stellen[0].key} --theirs“ (oder --mine), oder im Editor "
        "bearbeiten; dann „lafast save KURZNAME -m …“ und „lafast sync“."
    )


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in (text or "(entfällt)").splitlines())


@conflict.command("keep", changes_state=True)
@click.argument("stellen", nargs=-1, metavar="[RN]...")
# the values are team.conflict.MINE / THEIRS, spelled out so that `--help` runs no core module
@click.option("--mine", "--meine", "side", flag_value="meine", help="Ihre Fassung.")
@click.option("--theirs", "--andere", "side", flag_value="andere", help="Die andere Fassung.")
@pass_workspace
def conflict_keep(ws: Workspace, stellen: tuple[str, ...], side: str | None) -> None:
    """Je strittiger Stelle eine Fassung übernehmen (ohne Angabe: alle Stellen).

    \b
    Beispiel:  lafast conflict keep 3 --theirs
    """
    if side is None:
        raise click.UsageError("Bitte --mine (Ihre Fassung) oder --theirs (die andere) angeben.")
    for s in core.conflict.keep(ws, list(stellen), side):
        which = "Ihre Fassung" if side == core.conflict.MINE else "die andere Fassung"
        click.echo(f"{s.path}, {s.label}: {which} übernommen.")
    slugs = sorted(
        {
            Path(s).parts[1]
            for s in (core.conflict.pending(ws) or {}).get("files", {})
            if s.startswith("drafts/")
        }
    )
    show.hint(
        f"Abschließen: „lafast save {slugs[0] if slugs else 'KURZNAME'} -m …“, dann „lafast sync“."
    )


@group("config", stage=SETUP)
def config() -> None:
    """Die Einstellungen in lafast.yaml prüfen und speichern."""


@config.command("save", changes_state=True)
@click.option("--message", "-m", default="", help="Was wurde geändert?")
@pass_workspace
def config_save(ws: Workspace, message: str) -> None:
    """Von Hand geänderte lafast.yaml prüfen und speichern (ein git-Commit).

    Alle Fehler werden auf einmal gemeldet; gespeichert wird nur eine gültige Fassung.

    \b
    Beispiel:  lafast config save -m "Gemeinsames Archiv eingetragen"
    """
    sha = core.join.save_config(ws, message)
    click.echo(
        f"lafast.yaml geprüft und gespeichert als {sha[:10]}."
        if sha
        else "lafast.yaml ist gültig und unverändert – nichts gespeichert."
    )
