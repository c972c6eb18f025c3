"""`lafast demo [DIR]`: a workspace made from the shipped samples, rendered in every format.

The folder gets a marker file; running the demo again replaces only a folder that carries it,
never anything else.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from lafast_docs.consultation.forms import consent_control, form_meta
from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.consultation.mail.letters import mail_replies, mail_round
from lafast_docs.consultation.model import CONSENT_LABELS
from lafast_docs.consultation.rounds import close_round, open_round
from lafast_docs.decisions.consensus import record
from lafast_docs.decisions.disposition import decide
from lafast_docs.decisions.merge import merge
from lafast_docs.decisions.sheet import export
from lafast_docs.errors import DemoError, FolderNotUsable, LafastError
from lafast_docs.external import resources
from lafast_docs.office.figures import set_value
from lafast_docs.outputs.document import render
from lafast_docs.outputs.redline import redline
from lafast_docs.outputs.replies import reply
from lafast_docs.outputs.synopse import synopse
from lafast_docs.release.final import render_final
from lafast_docs.release.keyring import write_local
from lafast_docs.release.publish import publish
from lafast_docs.release.signing import make_authority
from lafast_docs.release.signoff import sign_off
from lafast_docs.release.verify import verify
from lafast_docs.render.context import Edition, document_context
from lafast_docs.render.docx import write_docx
from lafast_docs.render.pipeline import Output
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write
from lafast_docs.storage.git import Store
from lafast_docs.text.analysis import analyse
from lafast_docs.text.drafts import load_draft
from lafast_docs.text.register import REGISTER_NAME
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import CONFIG_NAME, load_config
from lafast_docs.workspace.create import init_workspace

MARKER = ".lafast-demo"


@dataclass
class DemoResult:
    workspace: Workspace
    outputs: dict[str, list[Output]] = field(default_factory=dict)
    consulted: str = ""  # the slug that went through a consultation round
    imports: list[Any] = field(default_factory=list)
    merge: Any = None
    final: dict[str, Any] = field(default_factory=dict)  # slug -> final.FinalResult
    site: Path | None = None
    verified: list[Any] = field(default_factory=list)  # verify.Report per published PDF


def prepare_folder(target: Path) -> None:
    if target.exists():
        if not target.is_dir():
            raise FolderNotUsable(f"{target} ist eine Datei, kein Ordner.")
        if (target / MARKER).is_file():
            shutil.rmtree(target)
        elif any(target.iterdir()):
            raise FolderNotUsable(
                f"Der Ordner {target} ist nicht leer und stammt nicht aus einer früheren Demo.",
                hint="Geben Sie einen neuen oder leeren Ordner an: lafast demo ORDNER",
            )


def run_demo(target: Path, *, progress: Callable[[str], None] = lambda _m: None) -> DemoResult:
    target = target.resolve()
    prepare_folder(target)
    progress(f"Lege den Demo-Arbeitsbereich an: {target}")
    target.mkdir(parents=True, exist_ok=True)
    _ensure_identity(Store.init(target))
    ws = init_workspace(target)
    store = ws.store
    atomic_write(target / MARKER, "Von „lafast demo“ angelegt; wird beim nächsten Lauf ersetzt.\n")
    shutil.copyfile(resources.data_dir() / "demo" / CONFIG_NAME, target / CONFIG_NAME)
    shutil.copyfile(resources.data_dir() / "demo" / REGISTER_NAME, target / REGISTER_NAME)
    if shutil.which("ssh-keygen") is None:
        progress(
            "Hinweis: ssh-keygen fehlt (Paket openssh-client); die Demo gibt ohne signierte "
            "Freigaben frei."
        )
        config = target / CONFIG_NAME
        text = config.read_text("utf-8")
        atomic_write(config, text.replace("signing:\n  git: ssh\n", "signing:\n  git: none\n"))
    ws.config = load_config(target / CONFIG_NAME)
    samples = resources.sample_drafts()
    slugs = sorted(p.parent.name for p in samples.glob("*/document.md"))
    for slug in slugs:
        shutil.copytree(samples / slug, ws.drafts_dir / slug)
    store.commit(
        [target / CONFIG_NAME, target / MARKER, target / REGISTER_NAME, ws.drafts_dir],
        "Demo: Adressbuch, Kennzahlenregister und Beispielentwürfe übernommen",
    )
    result = DemoResult(ws)
    for slug in slugs:
        progress(f"Erzeuge PDF, DOCX und HTML für „{slug}“ …")
        result.outputs[slug] = render(ws, slug)
    consultation(ws, result, progress=progress)
    publication(ws, result, slugs, progress=progress)
    change_figure(ws, progress=progress)
    return result


def change_figure(ws: Workspace, *, progress: Callable[[str], None] = lambda _m: None) -> None:
    """After publication the law funds 56 posts instead of 54: a new value from today on, the
    old one kept until yesterday. `lafast status` then flags the published Fachstandard, which
    quotes 54, and the draft, which would now show 56."""
    progress("Ändere eine Kennzahl im Register (54 → 56 Stellen), um veraltete Werte zu zeigen …")
    set_value(
        ws,
        "msa-koordination",
        "56",
        since=dt.date.today(),
        source="Haushaltsbegleitgesetz (Demo, fiktiv)",
    )


def publication(
    ws: Workspace,
    result: DemoResult,
    slugs: list[str],
    *,
    progress: Callable[[str], None] = lambda _m: None,
) -> None:
    """Demo keys, sign-offs by every required role, signed final PDFs, the website, verify."""
    progress("Lege Demo-Schlüssel an (SSH je freigebender Person, Zertifikat für die PDF) …")
    keys = make_demo_keys(ws)
    for slug in slugs:
        doc_type = load_draft(ws, slug, editable=False).type
        for role in ws.config.approvers.get(doc_type, []):
            person = ws.config.holders(role)[0]
            use_key(ws, keys, person.id)
            progress(f"Freigabe „{slug}“ durch {person.name} ({role}) …")
            sign_off(ws, slug, role, note="Demo-Freigabe")
        progress(f"Erzeuge die endgültige, signierte Fassung von „{slug}“ …")
        result.final[slug] = render_final(ws, slug, archive=slug == slugs[-1])
    site = ws.build_dir / "website"
    for slug in slugs:
        progress(f"Veröffentliche „{slug}“ in {site} …")
        published = publish(ws, slug, site, synopse=slug == result.consulted)
        pdf = next(
            f
            for f in published.files
            if f.name.endswith(f"{slug}-{published.entry['version']}.pdf")
        )
        result.verified.append(verify(pdf, ws=ws))
    result.site = site


def make_demo_keys(ws: Workspace) -> dict[str, Any]:
    """SSH keys for the approvers and a small certificate authority, kept in the repository's
    private folder (.git, never committed), and the local settings that point at them."""
    folder = ws.store.git_dir() / "lafast-demo-schluessel"
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    paths = {}
    people = ws.config.people if ws.config.signing.git == "ssh" else []
    for person in people:
        key = folder / person.id
        try:
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", person.id, "-f", str(key)],
                check=True,
                capture_output=True,
            )
        except (OSError, subprocess.CalledProcessError) as exc:
            raise DemoError(
                f"Der Demo-Schlüssel für {person.name} ließ sich nicht anlegen: {exc}",
                hint="Die Demo braucht ssh-keygen (Paket openssh-client), z. B. "
                "„apt-get install openssh-client“.",
            ) from exc
        pub = key.with_name(key.name + ".pub").read_text("utf-8").split()
        lines.append(f'{person.id} namespaces="git" {pub[0]} {pub[1]}')
        paths[person.id] = key
    allowed = folder / "allowed_signers" if lines else None
    if allowed is not None:
        atomic_write(allowed, "\n".join(lines) + "\n")
    authority = make_authority(
        folder, organisation=ws.config.org_name, password="", short=ws.config.org_short
    )
    return {
        "folder": folder,
        "allowed": allowed,
        "keys": paths,
        "authority": authority,
    }


def use_key(ws: Workspace, keys: dict[str, Any], person_id: str) -> None:
    """Local settings as on `person_id`'s own computer (each approver signs with own key)."""
    a = keys["authority"]
    roles = "".join(
        f"    {role}: [{', '.join(p.id for p in ws.config.holders(role))}]\n"
        for role in ws.config.roles
    )
    git = (
        f"git:\n  allowed_signers: {keys['allowed']}\n  key: {keys['keys'][person_id]}\n"
        f"  roles:\n{roles}"
        if keys["allowed"] is not None
        else ""
    )
    write_local(
        ws,
        "# Von „lafast demo“ angelegt: Demo-Schlüssel, nur für die Vorführung.\n" + git + "pdf:\n"
        f"  pkcs12: {a.pkcs12}\n"
        f"  trust_roots: [{a.ca_cert}]\n",
    )


def consultation(
    ws: Workspace, result: DemoResult, *, progress: Callable[[str], None] = lambda _m: None
) -> None:
    """A round on the sample Fachstandard, answered with files of every kind, read back in."""
    spec_path = resources.data_dir() / "demo" / "rueckmeldungen.yaml"
    spec = yamlio.load(spec_path.read_text("utf-8"), path=spec_path, error=LafastError, fast=True)
    slug = spec["dokument"]
    today = dt.date.today()
    progress(f"Eröffne eine Beteiligungsrunde zu „{slug}“ und erzeuge die Formulare …")
    rnd = open_round(
        ws,
        slug,
        deadline=today + dt.timedelta(days=int(spec["frist_tage"])),
        invite=list(spec["eingeladen"]),
        today=today,
    )
    progress("Bereite die Einladungen als E-Mail-Entwürfe (.eml) vor …")
    invited = mail_round(ws, slug, "einladung", round_id=rnd.id)[1]
    result.outputs[f"{slug} – Einladungen (E-Mail-Entwürfe)"] = _drafts(invited)
    inbox = ws.build_dir / "demo-eingang"
    inbox.mkdir(parents=True, exist_ok=True)
    progress("Baue die Rückmeldungen der Träger und Gremien (Word, Excel, YAML, E-Mail) …")
    files = [
        _returned_docx(ws, rnd, spec["word"], inbox),
        _returned_xlsx(rnd, spec["tabelle"], inbox),
        _returned_yaml(rnd, spec["yaml"], inbox),
        _returned_mail(spec["mail"], inbox),
    ]
    progress("Lese die Rückmeldungen ein …")
    result.imports = import_files(ws, files, from_org=spec["mail"]["org"], document=slug)
    result.consulted = slug
    decisions_and_merge(ws, result, spec, rnd, progress=progress)


def decisions_and_merge(
    ws: Workspace,
    result: DemoResult,
    spec: dict[str, Any],
    rnd: Any,
    *,
    progress: Callable[[str], None],
) -> None:
    """The office decides on every comment, the LAG confirms, the text moves to a new version."""
    progress("Entscheide über jede Anmerkung (Abwägung) …")
    for d in spec["abwaegung"]:
        decide(
            ws, d["id"], d["entscheidung"], reason=d.get("begruendung", ""), text=d.get("text", "")
        )
    close_round(ws, rnd.slug)
    k = spec["konsens"]
    progress("Halte den Konsens der LAG fest und übernehme die Änderungen …")
    record(
        ws,
        rnd.slug,
        gremium=k["gremium"],
        date=rnd.deadline + dt.timedelta(days=int(k["tage_nach_frist"])),
        participants=list(k["teilnehmende"]),
        all_accepted=True,
        note=k["bemerkung"],
    )
    result.merge = merge(ws, rnd.slug)
    progress(f"Erzeuge die neue Version {result.merge.version_to} …")
    result.outputs[rnd.slug] = render(ws, rnd.slug)
    consultation_outputs(ws, result, rnd, progress=progress)


def consultation_outputs(
    ws: Workspace, result: DemoResult, rnd: Any, *, progress: Callable[[str], None]
) -> None:
    """What the round leaves for people to read: the Synopse (internal and for publication),
    the redline between the consulted and the new version, the answers to every organisation
    and the disposition sheet."""
    progress("Erzeuge Synopse, Änderungsfassung und die Antwortschreiben …")
    outputs = synopse(ws, rnd.slug, rnd.tag, "HEAD")
    outputs += synopse(ws, rnd.slug, rnd.tag, "HEAD", formats=("pdf",), public=True)
    outputs += redline(ws, rnd.slug, rnd.tag, "HEAD")
    letters = reply(ws, rnd.slug, round_id=rnd.id)
    for r in letters:
        outputs += r.outputs
    outputs += _drafts(mail_replies(ws, rnd, letters))
    sheet, _n = export(ws, rnd.slug, round_id=rnd.id)
    outputs.append(Output("xlsx", sheet, False))
    result.outputs[f"{rnd.slug} – Beteiligungsrunde {rnd.number}"] = outputs


def _drafts(outcomes: list[Any]) -> list[Output]:
    return [Output("eml", o.draft, False) for o in outcomes if o.draft is not None]


def _form(rnd: Any, org: str, ext: str) -> Path:
    return rnd.folder / "formulare" / org / f"{rnd.slug}-{rnd.id}-{org}.{ext}"


def _returned_docx(ws: Workspace, rnd: Any, spec: dict[str, Any], inbox: Path) -> Path:
    """The Word form as a commenter returns it: comments and tracked changes, written by
    pandoc's DOCX writer from insertion/deletion/comment spans."""
    draft = load_draft(ws, rnd.slug)
    analysis = analyse(draft)
    org = ws.config.org(spec["org"])
    assert org is not None
    who = [["author", str(spec["autor"])], ["date", f"{rnd.opened.isoformat()}T10:00:00Z"]]
    edits: dict[int, list[Any]] = {}
    for i, c in enumerate(spec.get("kommentare") or []):
        edits.setdefault(int(c["rn"]), []).append(("comment", str(c["zitat"]), str(c["text"]), i))
    for ch in spec.get("aenderungen") or []:
        if "alt" in ch:
            edits.setdefault(int(ch["rn"]), []).append(
                ("replace", str(ch["alt"]), str(ch["neu"]), 0)
            )
        else:
            edits.setdefault(int(ch["rn"]), []).append(
                ("insert", str(ch["nach"]), str(ch["neu"]), 0)
            )
    for rn, todo in edits.items():
        block = analysis.model.block(rn)
        assert block is not None
        inlines: list[Any] = [{"t": "Str", "c": block.text}]
        for kind, quote, text, i in todo:
            inlines = _mark(inlines, kind, quote, text, who, i)
        _replace_block_text(analysis.model.ast["blocks"], rn, inlines)
    target = inbox / f"Rückmeldung {org.name[:20]}.docx"
    consent = consent_control(str(spec.get("einwilligung") or "intern"))  # the chosen entry
    write_docx(
        ws,
        analysis,
        document_context(ws, draft, Edition(rnd.opened, "")),
        target,
        extra_meta=form_meta(draft, rnd, org),
        front=[{"t": "RawBlock", "c": ["openxml", consent]}],
        toc=False,
    )
    return target


def _mark(
    inlines: list[Any], kind: str, quote: str, text: str, who: list[list[str]], i: int
) -> list[Any]:
    out: list[Any] = []
    for node in inlines:
        if node["t"] != "Str" or quote not in node["c"]:
            out.append(node)
            continue
        before, _, after = node["c"].partition(quote)
        span = lambda cls, content, extra=(): {  # noqa: E731
            "t": "Span",
            "c": [["", [cls], [*extra, *who]], content],
        }
        out.append({"t": "Str", "c": before})
        if kind == "comment":
            out += [
                span("comment-start", [{"t": "Str", "c": text}], [["id", str(i)]]),
                {"t": "Str", "c": quote},
                span("comment-end", [], [["id", str(i)]]),
            ]
        elif kind == "replace":
            out += [
                span("deletion", [{"t": "Str", "c": quote}]),
                span("insertion", [{"t": "Str", "c": text}]),
            ]
        else:
            out += [{"t": "Str", "c": quote}, span("insertion", [{"t": "Str", "c": text}])]
        out.append({"t": "Str", "c": after})
    return out


def _replace_block_text(blocks: list[Any], rn: int, inlines: list[Any]) -> bool:
    for b in blocks:
        if b["t"] == "Div":
            attrs = dict(b["c"][0][2])
            if attrs.get("rn") == str(rn):
                first = b["c"][1][0]
                first["c"] = inlines
                return True
            if _replace_block_text(b["c"][1], rn, inlines):
                return True
        elif b["t"] in ("BulletList", "OrderedList"):
            items = b["c"] if b["t"] == "BulletList" else b["c"][1]
            if any(_replace_block_text(item, rn, inlines) for item in items):
                return True
    return False


def _returned_xlsx(rnd: Any, spec: dict[str, Any], inbox: Path) -> Path:
    from openpyxl import load_workbook

    wb = load_workbook(_form(rnd, spec["org"], "xlsx"))
    wb["Angaben"]["B1"] = CONSENT_LABELS[str(spec.get("einwilligung") or "intern")]
    sheet = wb["Anmerkungen"]
    for r, row in enumerate(spec["zeilen"], start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(r, c, value if value != "" else None)
    target = inbox / f"{spec['org']}-anmerkungen.xlsx"
    wb.save(target)
    return target


def _returned_yaml(rnd: Any, spec: dict[str, Any], inbox: Path) -> Path:
    text = _form(rnd, spec["org"], "yaml").read_text("utf-8")
    text = text.replace("einwilligung: intern", f"einwilligung: {spec['einwilligung']}")
    contact = spec.get("kontakt") or {}
    text = text.replace(
        'kontakt:\n  name: ""\n  email: ""',
        f"kontakt:\n  name: {json.dumps(contact.get('name', ''))}\n"
        f"  email: {json.dumps(contact.get('email', ''))}",
    )
    entries = []
    for a in spec["anmerkungen"]:
        entries.append(
            "  - "
            + "\n    ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in a.items())
        )
    text = text[: text.index("anmerkungen:")] + "anmerkungen:\n" + "\n".join(entries) + "\n"
    target = inbox / f"{spec['org']}.yaml"
    target.write_text(text, encoding="utf-8")
    return target


def _returned_mail(spec: dict[str, Any], inbox: Path) -> Path:
    msg = EmailMessage()
    msg["From"] = spec["absender"]
    msg["To"] = "fachstelle@lafast.example.org"
    msg["Subject"] = spec["betreff"]
    msg.set_content(
        "Sehr geehrte Damen und Herren,\n\nanbei unsere Anmerkungen als Tabelle.\n\n"
        "Mit freundlichen Grüßen\nAnna Lehmann\n"
    )
    msg.add_attachment(
        spec["csv"].encode("utf-8"),
        maintype="text",
        subtype="csv",
        filename="anmerkungen-diakonie.csv",
    )
    target = inbox / "rueckmeldung-diakonie.eml"
    target.write_bytes(bytes(msg))
    return target


def _ensure_identity(store: Store) -> None:
    """A demo must run on a fresh machine without a git identity: set one for this repo only."""
    repo = store.repo
    reader = repo.config_reader()
    if not reader.has_option("user", "name") or not reader.has_option("user", "email"):
        with repo.config_writer() as w:
            w.set_value("user", "name", "lafast Demo")
            w.set_value("user", "email", "demo@lafast.invalid")
