"""The `lafast` group and its entry point: the one place where errors become German messages.

Errors from the core (`LafastError`) become a German message and an exit code in `main`; click's
own messages are German through `messages_de` (installed by base.py, before any command is
built). Each top-level command declares its stage of
`lafast --help` where it is defined (cli/base.py); the stage modules below are read in order.
"""

from __future__ import annotations

import os
import sys

import click

from lafast_docs import __version__
from lafast_docs.cli import (
    compare,
    consultation,
    decisions,
    demo,
    release,
    setup,
    signing,
    team,
    writing,
)
from lafast_docs.cli.base import GROUP_METAVARS, Command, Group, stages
from lafast_docs.errors import LafastError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=Group, context_settings=CONTEXT, **GROUP_METAVARS)
@click.option(
    "--workspace",
    "-w",
    metavar="ORDNER",
    type=click.Path(file_okay=False),
    help="Arbeitsbereich (Ordner mit lafast.yaml). Vorgabe: der aktuelle Ordner oder "
    "ein übergeordneter.",
)
@click.version_option(__version__, "--version", message="lafast %(version)s")
def cli(workspace: str | None) -> None:
    """lafast – Stellungnahmen und Fachstandards gemeinsam mit dem Arbeitsfeld erarbeiten.

    \b
    Einstieg:      lafast demo            (zeigt alles an Beispielen)
    Neu beginnen:  lafast init ORDNER     dann  lafast new fachstandard --title "…"
    """


# every top-level command of the stage modules (those that declare a stage), in their order
for _module in (setup, writing, consultation, decisions, compare, signing, release, team, demo):
    for _obj in vars(_module).values():
        if isinstance(_obj, Command | Group) and _obj.stage is not None:
            cli.add_command(_obj)

# the commands of `lafast --help` by stage, as declared at each command
STAGES = stages(cli)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; one place turns errors into German messages and exit codes."""
    # https://no-color.org: no colours when NO_COLOR is set; the text says everything anyway
    color = False if os.environ.get("NO_COLOR") else None
    try:
        code = cli.main(args=argv, prog_name="lafast", standalone_mode=False, color=color)
        if isinstance(code, int) and code:  # ctx.exit(n) returns n without standalone mode
            sys.exit(code)
    except LafastError as exc:
        click.echo(exc.render(), err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Abgebrochen.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("\nAbgebrochen.", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: say so plainly, keep the details for the report
        import traceback  # only here: ~10 ms at every start otherwise

        click.echo(
            "Interner Fehler in lafast – das ist ein Programmfehler, nicht Ihrer.\n"
            "Bitte melden Sie ihn mit der folgenden Ausgabe:\n",
            err=True,
        )
        traceback.print_exception(exc, file=sys.stderr)
        sys.exit(70)
