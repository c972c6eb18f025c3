"""Vergleichen: synopse, redline."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from lafast_docs.cli import core, show
from lafast_docs.cli.base import COMPARE, command, pass_workspace
from lafast_docs.cli.options import (
    formats_option,
    out_option,
    output_path,
    slug_argument,
)

if TYPE_CHECKING:
    from lafast_docs.workspace import Workspace


def _versions(f: Callable[..., Any]) -> Callable[..., Any]:
    """KURZNAME VERSION_A [VERSION_B]: the two versions to compare (B: the working copy)."""
    f = click.argument("version_b", required=False, default="arbeitskopie")(f)
    f = click.argument("version_a")(f)
    return slug_argument()(f)


@command(
    stage=COMPARE,
    short_help="Synopse: alter Text, Rückmeldungen, Abwägung, neuer Text.",
    changes_state=True,
)
@_versions
@formats_option("pdf,docx,xlsx")
@click.option(
    "--public",
    is_flag=True,
    help="Fassung zur Veröffentlichung: Rückmeldungen mit Einwilligung „intern“ "
    "werden weggelassen.",
)
@out_option()
@pass_workspace
def synopse(
    ws: Workspace,
    kurzname: str,
    version_a: str,
    version_b: str,
    formats: str,
    public: bool,
    out: str | None,
) -> None:
    """Synopse: bisheriger Text, Rückmeldungen, Abwägung und neuer Text je Randnummer.

    \b
    Beispiel:  lafast synopse mindeststandards-fsa lafast/mindeststandards-fsa/runde-1 HEAD
    """
    with show.progress() as bar:
        made = core.synopse.synopse(
            ws,
            kurzname,
            version_a,
            version_b,
            formats=core.pipeline.parse_formats(formats, core.synopse.SYNOPSE),
            out_dir=output_path(ws, out),
            public=public,
            progress=bar,
        )
    show.outputs(made)


@command(stage=COMPARE, short_help="Änderungsfassung zwischen zwei Versionen.", changes_state=True)
@_versions
@formats_option("pdf,docx,html")
@out_option()
@pass_workspace
def redline(
    ws: Workspace, kurzname: str, version_a: str, version_b: str, formats: str, out: str | None
) -> None:
    """Änderungsfassung: Wort für Wort, was sich zwischen zwei Versionen geändert hat.

    In der Word-Datei sind die Änderungen echte „nachverfolgte Änderungen“.

    \b
    Beispiel:  lafast redline mindeststandards-fsa lafast/mindeststandards-fsa/runde-1 HEAD
    """
    with show.progress() as bar:
        made = core.redline.redline(
            ws,
            kurzname,
            version_a,
            version_b,
            formats=core.pipeline.parse_formats(formats, core.redline.REDLINE),
            out_dir=output_path(ws, out),
            progress=bar,
        )
    show.outputs(made)
