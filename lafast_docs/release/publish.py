"""`lafast publish SLUG --site DIR`: approved final versions onto a static website folder.

Layout (every path made of generated ASCII slugs and version numbers, never of titles):

    DIR/index.html                      accessible German overview, by type, newest first
    DIR/feed.atom                       Atom feed of all publications
    DIR/catalogue.json                  every published version with files and SHA-256
    DIR/SHA256SUMS                      `sha256sum -c` compatible list of every file (and of
                                        catalogue.json)
    DIR/SHA256SUMS.p7s                  its detached CMS signature with the office certificate
    DIR/zertifikat.pem                  the office's certificate (a copy: readers pin it by the
                                        fingerprint the office publishes elsewhere)
    DIR/zeitstempel-wurzel.pem          the time-stamping service's root(s), for readers who pin
                                        only the office's (timestamps.py)
    DIR/sperrliste.crl                  the own authority's revocation list (signing ca/revoke),
                                        at the address its seals name
    DIR/<type>/<slug>/<version>/<slug>-<version>.{pdf,docx,html}[, …-synopse.pdf]

Earlier versions stay where they are; publishing the same version again with other content is
refused (a new content needs a new version number).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.errors import PublishError
from lafast_docs.external import resources
from lafast_docs.outputs.document import FORMATS
from lafast_docs.outputs.synopse import synopse
from lafast_docs.release.final import render_final
from lafast_docs.release.keyring import load_keyring
from lafast_docs.release.revocation import CRL_NAME
from lafast_docs.release.signing import office_certificate, sign_detached
from lafast_docs.release.timestamps import tsa_roots
from lafast_docs.release.trust import fingerprint, load_cert_bytes, load_certs, show_fingerprint
from lafast_docs.release.verify import SUMS, SUMS_SIGNATURE, TSA_ROOTS
from lafast_docs.release.versions import VERSION_RE, next_versions, published_prefix
from lafast_docs.render.brand import brand_css, logo
from lafast_docs.render.context import german_date
from lafast_docs.render.progress import QUIET, Progress
from lafast_docs.storage.files import atomic_write
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import DOC_TYPE_NAMES, DOC_TYPE_PLURALS, DOC_TYPES
from lafast_docs.workspace.slugs import SLUG_RE, slugify
from lafast_docs.workspace.targets import output_target

CATALOGUE = "catalogue.json"
CERTIFICATE = "zertifikat.pem"
CATALOGUE_FORMAT = 1
SITE_MODE = 0o644  # every file written into the site, whatever it replaces
LABELS = {
    "pdf": ("PDF (barrierefrei)", "application/pdf"),
    "docx": (
        "Word (DOCX)",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "html": ("Webseite (HTML)", "text/html"),
    "synopse": ("Synopse (PDF)", "application/pdf"),
}


@dataclass(frozen=True)
class PublishResult:
    folder: Path
    files: list[Path]
    entry: dict[str, Any]
    site: Path
    fingerprint: str  # SHA-256 of the office certificate that signed SHA256SUMS ("" unsigned)


def publish(
    ws: Workspace,
    slug: str,
    site: Path,
    *,
    synopse: bool = False,
    now: dt.datetime | None = None,
    progress: Progress = QUIET,
) -> PublishResult:
    site = output_target(ws, site, option="--site")  # before the (slow) final render
    final = render_final(ws, slug, progress=progress)
    status = final.status

    draft = final.draft  # as approved (git objects), not as in the working tree
    version = draft.version
    if not SLUG_RE.match(slug) or not VERSION_RE.match(version) or draft.type not in DOC_TYPES:
        raise PublishError(f"Kurzname „{slug}“ oder Version „{version}“ ist nicht zulässig.")
    catalogue = load_catalogue(site)
    old = next(
        (e for e in catalogue["dokumente"] if e["dokument"] == slug and e["version"] == version),
        None,
    )
    if old is not None and old["freigabe"] != status.hash:
        raise PublishError(
            f"Version {version} von „{slug}“ ist schon mit anderem Inhalt veröffentlicht.",
            hint=f"Eine neue Versionsnummer vergeben („lafast version {slug} "
            f"{next_versions(version)[0]}“), die Freigaben erneut einholen und dann "
            "veröffentlichen.",
        )
    rel_folder = f"{draft.type}/{slug}/{version}"
    for rel in (
        SUMS,
        "index.html",
        "feed.atom",
        *(f"{rel_folder}/{n}" for n in _names(slug, version).values()),
    ):
        site_path(site, rel)  # every place written below, checked before the first write
    folder = site_path(site, rel_folder, folder=True)
    folder.mkdir(parents=True, exist_ok=True)
    copied: list[tuple[str, Path]] = []
    for out in final.outputs:
        if out.format not in FORMATS:  # the archival copy stays in the office
            continue
        target = put(
            site, f"{rel_folder}/{_names(slug, version)[out.format]}", out.path.read_bytes()
        )
        copied.append((out.format, target))
    if synopse:
        copied.append(
            ("synopse", _public_synopse(ws, slug, status.commit, folder, version, progress))
        )
    progress.start(0, "Website")
    progress.note("Übersicht, Feed und Prüfsummen")
    when = (now or dt.datetime.now().astimezone()).replace(microsecond=0)

    edition = final.edition
    entry = {
        "dokument": slug,
        "typ": draft.type,
        "titel": draft.title,
        "version": version,
        "stand": edition.stand.isoformat(),
        "commit": edition.commit,
        "freigabe": status.hash,
        "freigaben": [
            {
                "name": a.name,
                "rolle": ws.config.roles.get(a.role, a.role),
                "datum": a.date.date().isoformat(),
                "signiert": a.signed,
            }
            for a in status.approvals
        ],
        "pdf_signiert": final.signed,
        "veroeffentlicht": when.isoformat(),
        "dateien": [
            {
                "format": fmt,
                "pfad": f"{rel_folder}/{path.name}",
                "sha256": sha256_file(path),
                "bytes": path.stat().st_size,
            }
            for fmt, path in copied
        ],
    }
    catalogue["dokumente"] = [
        e for e in catalogue["dokumente"] if not (e["dokument"] == slug and e["version"] == version)
    ] + [entry]
    pin = write_site(ws, site, catalogue, now=when)
    tag = f"{published_prefix(slug)}{version}"
    if not ws.store.tag_records(tag):
        ws.store.tag(tag, status.commit, f"Veröffentlicht: {slug} {version}\n\n{status.hash}")
    return PublishResult(folder, [p for _f, p in copied], entry, site, pin)


def _public_synopse(
    ws: Workspace, slug: str, commit: str, folder: Path, version: str, progress: Progress
) -> Path:
    """The Synopse from the last consultation round to the approved commit, with only
    submissions whose authors consented to publication."""
    rounds = sorted(
        (r["name"] for r in ws.store.tag_records(f"lafast/{slug}/runde-*")),
        key=lambda n: int(n.rsplit("-", 1)[1]) if n.rsplit("-", 1)[1].isdigit() else 0,
    )
    if not rounds:
        raise PublishError(
            f"Zu „{slug}“ gab es keine Beteiligungsrunde; eine Synopse gibt es daher nicht.",
            hint="Veröffentlichen Sie ohne --synopse.",
        )
    with tempfile.TemporaryDirectory(prefix="lafast-synopse-") as tmp:
        outs = synopse(
            ws,
            slug,
            rounds[-1],
            commit,
            formats=("pdf",),
            out_dir=Path(tmp),
            public=True,
            progress=progress,
        )
        return put(folder, _names(slug, version)["synopse"], outs[0].path.read_bytes())


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _names(slug: str, version: str) -> dict[str, str]:
    """The file names of one published version, by format."""
    return {
        **{fmt: f"{slug}-{version}.{fmt}" for fmt in FORMATS},
        "synopse": f"{slug}-{version}-synopse.pdf",
    }


def site_path(site: Path, rel: str, *, folder: bool = False) -> Path:
    """`site/rel`, refused when any part of it below `site` is a symlink (publish neither
    follows nor writes through links) or when a file to write is something else than a file."""
    path = site
    for part in rel.split("/"):
        path = path / part
        if path.is_symlink():
            raise PublishError(
                f"In der Website ist „{path}“ eine Verknüpfung (symbolischer Link); lafast "
                "veröffentlicht nicht durch Verknüpfungen hindurch.",
                path=path,
                hint="Ersetzen Sie die Verknüpfung durch einen echten Ordner bzw. löschen Sie "
                "sie und veröffentlichen Sie erneut.",
            )
    if path.exists() and (path.is_dir() != folder):
        raise PublishError(
            f"In der Website ist „{path}“ ein {'Datei' if folder else 'Ordner'}, "
            f"erwartet wird ein{' Ordner' if folder else 'e Datei'}.",
            path=path,
            hint="Räumen Sie die Stelle in der Website auf und veröffentlichen Sie erneut.",
        )
    return path


def load_catalogue(site: Path) -> dict[str, Any]:
    path = site_path(site, CATALOGUE)
    if not path.is_file():
        return {"format": CATALOGUE_FORMAT, "dokumente": []}
    try:
        data = json.loads(path.read_text("utf-8"))
    except ValueError as exc:
        raise PublishError(
            f"{path} ist beschädigt: {exc}",
            path=path,
            hint="Stellen Sie die Datei aus der Sicherung wieder her; lafast überschreibt "
            "sie nicht ungeprüft.",
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("dokumente"), list):
        raise PublishError(f"{path} ist kein Katalog von lafast.", path=path)
    return data


def refresh_site(ws: Workspace, site: Path, *, now: dt.datetime | None = None) -> str:
    """Rewrite the site's lists from its catalogue and sign the checksum list again with the
    seal set up now (after a renewal or revocation), with the certificate and the CRL; the
    published documents stay as they are. The fingerprint of the signing anchor ("" none)."""
    site = output_target(ws, site, option="--site")
    if not (site / CATALOGUE).is_file():
        raise PublishError(
            f"In {site} ist noch nichts veröffentlicht ({CATALOGUE} fehlt).",
            path=site,
            hint="Den Website-Ordner angeben, in den „lafast publish“ veröffentlicht.",
        )
    when = (now or dt.datetime.now().astimezone()).replace(microsecond=0)
    return write_site(ws, site, load_catalogue(site), now=when)


def write_site(ws: Workspace, site: Path, catalogue: dict[str, Any], *, now: dt.datetime) -> str:
    """(Re)write catalogue.json, SHA256SUMS(.p7s), index.html and feed.atom from the catalogue;
    the fingerprint of the certificate that signed the list ("" when unsigned)."""
    entries = sorted(catalogue["dokumente"], key=lambda e: e["veroeffentlicht"], reverse=True)
    catalogue.update(
        format=CATALOGUE_FORMAT,
        herausgeber=ws.config.org_name,
        aktualisiert=now.isoformat(),
        dokumente=entries,
    )
    put(site, CATALOGUE, json.dumps(catalogue, ensure_ascii=False, indent=2) + "\n")
    pin = _write_sums(ws, site, entries)
    tsa_pins = _write_tsa_roots(ws, site, entries) if pin else []

    def view(e: dict[str, Any]) -> dict[str, Any]:
        return {
            **e,
            "typ_name": DOC_TYPE_NAMES.get(e["typ"], e["typ"]),
            "stand_text": german_date(dt.date.fromisoformat(e["stand"])),
            "dateien": [
                {
                    **f,
                    "bezeichnung": LABELS[f["format"]][0],
                    "mime": LABELS[f["format"]][1],
                    "groesse": _size(int(f["bytes"])),
                }
                for f in e["dateien"]
            ],
        }

    groups = []
    for t in DOC_TYPES:
        docs: dict[str, list[dict[str, Any]]] = {}
        for e in entries:
            if e["typ"] == t:
                docs.setdefault(e["dokument"], []).append(view(e))
        if docs:
            documents: list[dict[str, Any]] = [
                {"slug": s, "versions": sorted(v, key=_version_key, reverse=True)}
                for s, v in docs.items()
            ]
            documents.sort(key=lambda d: d["versions"][0]["veroeffentlicht"], reverse=True)
            groups.append({"type": t, "name": DOC_TYPE_PLURALS[t], "documents": documents})
    env = _env(ws)
    common = {
        "brand_css": brand_css(ws, "site"),
        "logo": logo(ws, "site", ws.config.org_name),
        "org_name": ws.config.org_name,
        "org_address": ws.config.org_address,
        "updated": now.isoformat(),
        "updated_text": german_date(now.date()),
    }
    put(
        site,
        "index.html",
        env.get_template("index.html.j2").render(
            groups=groups,
            any_signed=any(e.get("pdf_signiert") for e in entries),
            pin=show_fingerprint(pin) if pin else "",
            tsa_pins=[show_fingerprint(p) for p in tsa_pins],
            **common,
        ),
    )
    website = ws.config.org_website.rstrip("/")
    put(
        site,
        "feed.atom",
        env.get_template("feed.atom.j2").render(
            entries=[view(e) for e in entries],
            base=website + "/" if website.startswith("https://") else "",
            feed_id=f"urn:lafast:{_feed_slug(ws)}",
            **common,
        ),
    )
    return pin


def _write_sums(ws: Workspace, site: Path, entries: list[dict[str, Any]]) -> str:
    """SHA256SUMS over every published file and the catalogue, signed with the office's
    certificate when this machine has it (`lafast verify --site` checks that signature)."""
    sums = sorted((f["pfad"], f["sha256"]) for e in entries for f in e["dateien"])
    sums.append((CATALOGUE, sha256_file(site / CATALOGUE)))
    text = "".join(f"{h}  {p}\n" for p, h in sums).encode("utf-8")
    keyring = load_keyring(ws)
    signature = sign_detached(text, keyring) if keyring.has_seal else None
    put(site, SUMS, text)
    if signature is None:
        # an old signature would no longer match: gone, so the list reads as "not signed"
        (site / SUMS_SIGNATURE).unlink(missing_ok=True)
        return ""
    put(site, SUMS_SIGNATURE, signature)
    cert = office_certificate(keyring)
    put(site, CERTIFICATE, cert)
    if keyring.crl is not None:
        put(site, CRL_NAME, keyring.crl.read_bytes())
    return fingerprint(load_cert_bytes(cert))


def _write_tsa_roots(ws: Workspace, site: Path, entries: list[dict[str, Any]]) -> list[str]:
    """The time-stamping service's root(s) beside the office's certificate (timestamps.py),
    as found in the newest published PDF with a timestamp; their fingerprints."""
    from asn1crypto import pem

    keyring = load_keyring(ws)
    if not keyring.timestamp_url:
        return []
    pdfs = (
        site_path(site, f["pfad"]).read_bytes()
        for e in entries
        for f in e["dateien"]
        if f["format"] == "pdf" and site_path(site, f["pfad"]).is_file()
    )
    roots = [c for p in keyring.trust_roots for c in load_certs(p)]
    office = load_cert_bytes(office_certificate(keyring))
    found = tsa_roots(list(itertools.islice(pdfs, 3)), roots, office=office)
    if found:
        put(site, TSA_ROOTS, b"".join(pem.armor("CERTIFICATE", c.dump()) for c in found))
    return [fingerprint(c) for c in found]


def put(site: Path, rel: str, data: str | bytes) -> Path:
    """Write one file of the site: never through a symlink, always readable by the web server
    (0644), whatever mode the file it replaces had."""
    path = site_path(site, rel)
    atomic_write(path, data, mode=SITE_MODE)
    return path


def _version_key(e: dict[str, Any]) -> tuple[int, ...]:
    return tuple(int(x) for x in str(e["version"]).split("."))


def _feed_slug(ws: Workspace) -> str:
    return slugify(ws.config.org_short or ws.config.org_name) or "fachstelle"


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    return f"{n / 1024 / 1024:.1f} MB".replace(".", ",")


def _env(ws: Workspace) -> Any:
    import jinja2

    dirs = [ws.templates_dir / "site", resources.builtin_templates() / "site"]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs if d.is_dir()]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
