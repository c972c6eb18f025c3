"""Einrichten: init, org (address book), doctor, completion."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from lafast_docs.cli import core, show
from lafast_docs.cli.base import SETUP, command, exit_with, group, pass_workspace, workspace
from lafast_docs.cli.options import json_option, org_id_argument
from lafast_docs.errors import LafastError

if TYPE_CHECKING:
    from lafast_docs.workspace import Workspace


@command(stage=SETUP)
@click.argument("ordner", required=False, default=".", type=click.Path(file_okay=False))
@click.option("--name", default="", help="Name der Fachstelle für lafast.yaml.")
def init(ordner: str, name: str) -> None:
    """Neuen Arbeitsbereich anlegen (git-Repository mit lafast.yaml).

    \b
    Beispiel:  lafast init ~/fachstelle --name "Landesfachstelle FSA/MSA"
    """
    ws = core.create.init_workspace(Path(ordner), name=name)
    click.echo(f"Arbeitsbereich angelegt: {ws.root}")
    show.hint(
        f"Angaben in {ws.config.path.name} prüfen (lafast doctor), dann "
        '„lafast new fachstandard --title "…"“.'
    )


@group(stage=SETUP)
def org() -> None:
    """Adressbuch der Träger und Gremien pflegen."""


@org.command("add", changes_state=True)
@org_id_argument()
@click.option("--name", required=True, help="Voller Name der Organisation.")
@click.option(
    "--type",
    "org_type",
    required=True,
    type=click.Choice(["traeger", "gremium"]),
    help="traeger oder gremium.",
)
@click.option("--email", default="", help="E-Mail-Adresse für Einladungen.")
@click.option("--contact", default="", help="Ansprechperson.")
@pass_workspace
def org_add(
    ws: Workspace, kennung: str, name: str, org_type: str, email: str, contact: str
) -> None:
    """Organisation ins Adressbuch aufnehmen.

    \b
    Beispiel:  lafast org add awo-sachsen --name "AWO Landesverband Sachsen e. V." \\
                 --type traeger --email migration@awo-sachsen.de --contact "Katrin Weber"
    """
    o = core.addressbook.add_org(
        ws, kennung, name=name, type=org_type, email=email, contact=contact
    )
    click.echo(f"Aufgenommen: {o.name} ({o.id})")


@org.command("list")
@json_option
@pass_workspace
def org_list(ws: Workspace, as_json: bool) -> None:
    """Adressbuch anzeigen.

    \b
    Beispiel:  lafast org list
    """
    orgs = ws.config.orgs
    if as_json:
        show.as_json([o.__dict__ for o in orgs])
    elif not orgs:
        click.echo("Das Adressbuch ist leer. Aufnehmen mit „lafast org add …“.")
    else:
        show.table(
            ["Kennung", "Name", "Art", "E-Mail", "Ansprechperson"],
            [[o.id, o.name, core.config.ORG_TYPE_NAMES[o.type], o.email, o.contact] for o in orgs],
        )


@org.command("remove", changes_state=True)
@org_id_argument()
@pass_workspace
def org_remove(ws: Workspace, kennung: str) -> None:
    """Organisation aus dem Adressbuch entfernen.

    \b
    Beispiel:  lafast org remove drk-sachsen
    """
    o = core.addressbook.remove_org(ws, kennung)
    click.echo(f"Entfernt: {o.name} ({o.id})")


@command(stage=SETUP, short_help="Computer und Arbeitsbereich prüfen, jeder Befund mit Abhilfe.")
@json_option
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Prüfen, ob Computer und Arbeitsbereich bereit sind; jeder Befund mit Abhilfe.

    \b
    Beispiel:  lafast doctor
    """
    try:
        ws, problem = workspace(ctx), ""
    except LafastError as exc:
        ws, problem = None, exc.message
    findings = core.doctor.diagnose(ws, workspace_error=problem)
    if as_json:
        show.as_json([f.as_data() for f in findings])
    else:
        show.findings(findings)
    if any(f.status == core.doctor.ERROR for f in findings):
        exit_with(1)


@command(stage=SETUP, short_help="Ergänzung mit der Tabulatortaste einrichten (bash, zsh).")
@click.argument("shell", type=click.Choice(["bash", "zsh"]))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Befehlsergänzung mit der Tabulatortaste einrichten (auch für Kurznamen und Kennungen).

    \b
    Beispiele:  lafast completion bash >> ~/.bashrc
                lafast completion zsh >> ~/.zshrc
    """
    from click.shell_completion import get_completion_class  # only for this command

    cls = get_completion_class(shell)
    assert cls is not None  # bash and zsh ship with click
    root = ctx.find_root().command
    click.echo(cls(root, {}, "lafast", "_LAFAST_COMPLETE").source())
