"""Identifiers are whole strings and configured links are web or mail addresses only
(issue 13, section 3): a refused `org add` leaves lafast.yaml byte for byte as it was."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from lafast_docs.errors import ConfigError, SlugError
from lafast_docs.release.publish import VERSION_RE
from lafast_docs.workspace.config import CONFIG_NAME, EMAIL_RE, load_config
from lafast_docs.workspace.slugs import check_slug

from ..conftest import git
from ..test_cli import _Main


def run(ws, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_Main(), ["--workspace", str(ws.root), *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("awo-neu\n", "--name", "AWO Neu", "--type", "traeger"), "Ungültige Kennung"),
        (("awo-neu\r\n", "--name", "AWO Neu", "--type", "traeger"), "Ungültige Kennung"),
        (("awo-neu", "--name", "AWO\nNeu", "--type", "traeger"), "enthält Steuerzeichen"),
        (("awo-neu", "--name", "AWO \u202eueN", "--type", "traeger"), "enthält Steuerzeichen"),
        (
            ("awo-neu", "--name", "AWO", "--type", "traeger", "--email", "a@b.de\n"),
            "keine gültige E-Mail-Adresse",
        ),
        (("awo-neu", "--name", "AWO", "--type", "traeger", "--contact", "Frau\nX"), "Steuerz"),
    ],
)
def test_refused_org_add_leaves_lafast_yaml_byte_identical(ws, args, reason) -> None:
    before = (ws.root / CONFIG_NAME).read_bytes()
    head = git(ws, "rev-parse", "HEAD")
    code, out = run(ws, "org", "add", *args)
    assert code != 0 and reason in out, out
    assert (ws.root / CONFIG_NAME).read_bytes() == before
    assert git(ws, "rev-parse", "HEAD") == head and git(ws, "status", "--porcelain") == ""


@pytest.mark.parametrize("value", ["awo\n", "awo\r", " awo", "awo ", "\nawo", "aw\u200bo"])
def test_slugs_are_whole_strings(value) -> None:
    with pytest.raises(SlugError, match="Ungültige"):
        check_slug(value)


def test_versions_and_addresses_are_whole_strings() -> None:
    assert VERSION_RE.match("1.0") and not VERSION_RE.match("1.0\n")
    assert EMAIL_RE.match("a@b.de") and not EMAIL_RE.match("a@b.de\n")


def test_new_draft_with_trailing_newline_is_refused(ws) -> None:
    code, out = run(ws, "new", "fachstandard", "neu\n", "--title", "Neu")
    assert code != 0 and "Ungültige" in out, out
    assert not (ws.drafts_dir / "neu\n").exists() and not (ws.drafts_dir / "neu").exists()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.org/",
        "//example.org/",
        "vbscript:msgbox",
        "https://example.org/\njavascript:alert(1)",
        "mailto:",
    ],
)
def test_configured_urls_are_https_http_or_mailto(ws, url) -> None:
    path = ws.root / CONFIG_NAME
    text = path.read_text("utf-8")
    assert '  website: ""\n' in text
    path.write_text(text.replace('  website: ""\n', f"  website: {url!r}\n".replace("'", '"')))
    line = 1 + path.read_text("utf-8").split("\n").index(
        next(ln for ln in path.read_text("utf-8").split("\n") if ln.startswith("  website:"))
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    [problem] = err.value.problems
    assert problem.path == path and problem.line == line, (problem.path, problem.line)
    assert "keine erlaubte Adresse" in problem.message and "https://" in problem.message


@pytest.mark.parametrize("url", ["https://fachstelle.example.org/", "http://x.de", "mailto:a@b.de"])
def test_good_urls_pass(ws, url) -> None:
    path = ws.root / CONFIG_NAME
    path.write_text(path.read_text("utf-8").replace('  website: ""\n', f'  website: "{url}"\n'))
    assert load_config(path).org_website == url
