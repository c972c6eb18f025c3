"""Version numbers: `lafast version SLUG [NEU]` and what is already published under a number.

A version number names one content for good: once `publish` has put version 1.0 on the site
(the tag `lafast/<slug>/veroeffentlicht/1.0` records the content hash), 1.0 can neither be
signed off nor published again with other content. `set_version` moves a draft forward
(0.2 -> 0.3 or 1.0) in the front matter and commits that one change; sign-offs of the old
number end with it, because the text changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lafast_docs.errors import SignoffError, UnsavedChanges, VersionError
from lafast_docs.text.drafts import load_draft, write_draft
from lafast_docs.workspace import Workspace

VERSION_RE = re.compile(r"\A\d+(\.\d+){0,2}\Z")  # whole string: no trailing newline


def published_prefix(slug: str) -> str:
    return f"lafast/{slug}/veroeffentlicht/"


def published_versions(ws: Workspace, slug: str) -> dict[str, str]:
    """version -> content hash of every version of `slug` published from this repository."""
    result = {}
    for rec in ws.store.tag_records(published_prefix(slug)):
        version = rec["name"].rsplit("/", 1)[1]
        result[version] = rec["body"].strip().split()[-1] if rec["body"].strip() else ""
    return result


def key(version: str) -> tuple[int, ...]:
    """0.2 < 0.10 < 1 == 1.0: numbers compared part by part, missing parts are 0."""
    parts = [int(p) for p in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def next_versions(version: str) -> list[str]:
    """The usual next steps: the next draft number and the next whole number."""
    if not VERSION_RE.match(version):
        return ["1.0"]
    major, _, rest = version.partition(".")
    minor = int(rest.split(".")[0]) if rest else 0
    return [f"{major}.{minor + 1}", f"{int(major) + 1}.0"]


def published_conflict(ws: Workspace, slug: str, version: str, digest: str) -> SignoffError | None:
    """The refusal for signing off or finalising `version` when it is already published with
    other content (None when it is not, or with this very content)."""
    published = published_versions(ws, slug).get(version)
    if published is None or published == digest:
        return None
    return SignoffError(
        f"Version {version} von „{slug}“ ist schon mit anderem Inhalt veröffentlicht; diese "
        f"Fassung kann nicht als {version} freigegeben werden.",
        hint=f"Erst eine neue Versionsnummer vergeben: „lafast version {slug} "
        f"{_free(ws, slug, version)}“, dann freigeben.",
    )


@dataclass(frozen=True)
class VersionChange:
    slug: str
    old: str
    new: str
    commit: str
    approvers: list[str]  # roles whose sign-off the new version needs


def set_version(ws: Workspace, slug: str, version: str) -> VersionChange:
    """Give the saved draft a higher version number; one commit. Refuses a number that is not
    higher, that is already published, or a draft with unsaved changes."""
    version = version.strip()
    draft = load_draft(ws, slug)
    old = draft.version
    if not VERSION_RE.match(version):
        raise VersionError(
            f"„{version}“ ist keine Versionsnummer.",
            hint=f"Zahlen mit Punkt, z. B. „lafast version {slug} {next_versions(old)[0]}“.",
        )
    if ws.store.is_dirty(draft.folder):
        raise UnsavedChanges(
            f"„{slug}“ hat ungespeicherte Änderungen; die Versionsnummer wird nur für eine "
            "gespeicherte Fassung geändert.",
            hint=f'Erst „lafast save {slug} -m "…"“, dann „lafast version {slug} {version}“.',
        )
    if version in published_versions(ws, slug):
        raise VersionError(
            f"Version {version} von „{slug}“ ist schon veröffentlicht; eine neue Fassung "
            "braucht eine neue Nummer.",
            hint=f"Zum Beispiel „lafast version {slug} {_free(ws, slug, old)}“.",
        )
    if key(version) <= key(old):
        raise VersionError(
            f"„{slug}“ hat schon Version {old}; die neue Nummer muss höher sein als {old}.",
            hint=f"Zum Beispiel „lafast version {slug} {_free(ws, slug, old)}“.",
        )
    draft.set("version", version)
    write_draft(draft)
    sha = ws.store.commit([draft.path], f"Version {version} (vorher {old})")
    return VersionChange(slug, old, version, sha, list(ws.config.approvers.get(draft.type, [])))


def _free(ws: Workspace, slug: str, old: str) -> str:
    taken = published_versions(ws, slug)
    return next((v for v in next_versions(old) if v not in taken), next_versions(old)[-1])
