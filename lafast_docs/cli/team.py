"""Im Team: sync with the shared remote."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lafast_docs.cli import core, show
from lafast_docs.cli.base import TEAM, command, pass_workspace

if TYPE_CHECKING:
    from lafast_docs.workspace import Workspace


@command(
    stage=TEAM,
    short_help="Mit dem gemeinsamen Archiv abgleichen (holen, übertragen).",
    changes_state=True,
)
@pass_workspace
def sync(ws: Workspace) -> None:
    """Mit dem gemeinsamen Archiv abgleichen: holen, eigene Fassungen anfügen, übertragen.

    Das Archiv steht in lafast.yaml unter „remote“. Haben zwei Personen dieselbe Textstelle
    geändert, bricht lafast ab, ohne etwas zu verändern, und erklärt, was zu tun ist.

    \b
    Beispiel:  lafast sync
    """
    r = core.sync.sync(ws)
    if not r.pulled and not r.pushed:
        click.echo(f"Alles aktuell: Ihr Arbeitsbereich und {r.remote} sind gleich.")
        return
    click.echo(f"Abgeglichen mit {r.remote}: {r.pulled} Fassung(en) geholt, {r.pushed} übertragen.")
    show.lines(f"  Entscheidungen beider Seiten zusammengeführt: {path}" for path in r.joined)
