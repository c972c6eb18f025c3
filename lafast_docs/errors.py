"""The one exception hierarchy of lafast.

Every error a user can cause is a `LafastError` with a German message. The CLI turns it into
text and an exit code in one place (`cli.main`); nothing else prints tracebacks for them.

Exit codes (documented in README.md):
  0 success, 1 general user error, 2 wrong command-line usage (click),
  3 no workspace / broken configuration, 4 problem in a draft, 5 rendering failed,
  6 git failed (also: lafast sync could not share), 7 sign-off missing, void or refused,
  8 a file is not authentic (verify), 9 the workspace is busy (another lafast command holds
  its lock), 10 a file cannot be verified (verify: no trust anchor, nothing to check against),
  70 internal error (a bug: please report).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One finding with its place, for errors that collect several."""

    message: str
    path: Path | None = None
    line: int | None = None

    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else str(self.path)


class LafastError(Exception):
    """Base class: a user-facing error with a German message."""

    exit_code = 1
    slug: str | None = None  # the draft a listed error belongs to (set by `list_drafts`)

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        hint: str | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.hint = hint
        self.problems = problems or []

    def render(self) -> str:
        """The full German text shown to the user."""
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        lines = [f"Fehler: {where}{self.message}"]
        for p in self.problems:
            loc = p.location()
            lines.append(f"  - {loc + ': ' if loc else ''}{p.message}")
        if self.hint:
            lines.append(f"Was tun: {self.hint}")
        return "\n".join(lines)


class WorkspaceNotFound(LafastError):
    """No lafast.yaml in this folder or any parent."""

    exit_code = 3


class ConfigError(LafastError):
    """lafast.yaml is broken or incomplete."""

    exit_code = 3


class SlugError(LafastError):
    """A short name (slug) is not allowed."""


class DraftNotFound(LafastError):
    """No draft with this short name (a usage error, like an invalid short name: code 1)."""


class DraftExists(LafastError):
    """A draft with this short name exists already."""


class DraftError(LafastError):
    """The draft's front matter or text is broken."""

    exit_code = 4


class UnsafeContent(DraftError):
    """The draft asks for something that is not allowed (raw HTML, outside files)."""


class TooComplex(DraftError):
    """The draft exceeds a size or nesting limit (limits.py)."""


class RenderError(LafastError):
    """pandoc or WeasyPrint failed."""

    exit_code = 5


class ToolMissing(RenderError):
    """An external program (pandoc) is missing or too old."""


class GitError(LafastError):
    """A git operation failed."""

    exit_code = 6


class RevisionNotFound(GitError):
    """A version named by the user does not exist."""


class SignoffError(LafastError):
    """A sign-off is missing, void, or refused (unsigned, unknown key, wrong person)."""

    exit_code = 7


class SigningError(LafastError):
    """A key or certificate for signing is missing, unreadable or unusable."""

    exit_code = 7


class NotAuthentic(LafastError):
    """`lafast verify`: the file is not what was approved and published."""

    exit_code = 8


class NotVerifiable(LafastError):
    """`lafast verify`: nothing proves the file, and nothing shows it forged (no trust anchor)."""

    exit_code = 10


class TrustAnchorError(LafastError):
    """`--trust` names neither a readable certificate nor a SHA-256 fingerprint."""


class VersionError(LafastError):
    """A version number that is not allowed: not higher, malformed, or already published."""


class PublishError(LafastError):
    """Publishing refused (e.g. the same version again with other content)."""


class SyncError(GitError):
    """Sharing through the remote is not possible right now."""


class SyncConflict(SyncError):
    """Two people changed the same text: the merge waits for the user (lafast conflict)."""


class WorkspaceBusy(LafastError):
    """Another lafast command holds the workspace lock."""

    exit_code = 9


# -- core: external, storage, workspace, text, decisions, release, team, office --


class TemplateError(LafastError):
    """A template is missing or broken."""


class FolderNotUsable(LafastError):
    """A folder to create (workspace, demo) is a file, not empty, or a workspace already."""


class TargetNotAllowed(FolderNotUsable):
    """An --out, -o or --site target inside .git or over the workspace's own files."""


class AddressBookError(LafastError):
    """An address-book entry is unknown, already there, or incomplete."""


class MissingInput(LafastError):
    """A value the command needs was not given (e.g. the message of `lafast save`)."""


class DecisionError(LafastError):
    """A decision on a comment is not possible as given (unknown, reason missing, …)."""


class DispositionFileError(LafastError):
    """A round's disposition file does not match its format."""


class ConsensusError(LafastError):
    """A consensus record is not possible as given (unknown Gremium, ids, undecided)."""


class UnknownRn(LafastError):
    """The draft has no paragraph with this Randnummer."""


class SheetError(LafastError):
    """A disposition sheet cannot be exported or read back (format, file, columns, rows)."""


class FileMissing(LafastError):
    """A file named on the command line does not exist."""


class DemoError(LafastError):
    """The demo cannot set itself up (e.g. no ssh-keygen for its keys)."""


# -- consultation --------------------------------------------------------------------------------


class Rejected(LafastError):
    """A returned file was refused; it goes to the round's quarantine folder."""


class NeedsSubmitter(LafastError):
    """A returned file does not say who sent it."""


class NeedsDocument(LafastError):
    """A returned file does not say which document it answers (and no single round is open)."""


class OrgUnknown(LafastError):
    """An organisation is not in the address book."""


class NoInvitees(LafastError):
    """A round would be opened without anyone invited."""


class UnsavedChanges(LafastError):
    """The draft has changes that are not saved yet."""


class DeadlineInPast(LafastError):
    """A round's deadline lies in the past."""


class RoundError(LafastError):
    """A consultation round cannot be found, read, opened or closed as asked."""


class RoundNotFound(RoundError):
    """No such consultation round (or none yet) for the document."""


class RoundFileBroken(RoundError):
    """A round's runde.yaml is damaged."""


class RoundStillOpen(RoundError):
    """A new round cannot open while the previous one is open."""


class NoOpenRound(RoundError):
    """There is no open round to close."""


class SubmissionBroken(LafastError):
    """A stored submission file cannot be read."""


class CommentNotFound(LafastError):
    """No stored comment with this id."""


class SchemaViolation(LafastError):
    """Data does not match its JSON Schema."""


# -- render, outputs (the pipeline) ------------------------------------------------------------


class FormatUnknown(LafastError):
    """`--format` names a format the product does not make."""


class NothingToReply(LafastError):
    """No answer in the round to reply to (at all, or from the named organisation)."""


# -- issue 16: signer set-up, office seal, timestamps --------------------------------------------


class SignerSetupError(SigningError):
    """`lafast signing setup` cannot set up this person's key, list entry or local settings."""


class TimestampError(SigningError):
    """The configured time-stamping service (RFC 3161) or revocation source does not answer."""


# -- issue 19: the live preview ------------------------------------------------------------------


class PreviewPortBusy(LafastError):
    """The preview's port is taken (another preview or program)."""


class PreviewPortRefused(LafastError):
    """The preview's port cannot be opened (e.g. below 1024 without the right)."""


# -- issue 17: outgoing mail (drafts, SMTP) and mail formats read ---------------------------


class MailError(LafastError):
    """An e-mail cannot be prepared or sent."""


class MailTemplateBroken(MailError):
    """A mail template does not start with its subject line."""


class MailNotConfigured(MailError):
    """Sending needs `mail: smtp:` in lafast.yaml (or a password that is not there)."""


class SmtpFailed(MailError):
    """The SMTP server cannot be reached, refuses the login or the encryption."""


class FormsMissing(MailError):
    """An invitation would go out without the organisation's forms."""


class NothingToMail(MailError):
    """Nobody to write to (all have answered, or no round)."""


# -- issue 18: register of key figures and legal references --------------------------------


class RegisterInvalid(ConfigError):
    """kennzahlen.yaml is broken (syntax, unknown keys, dates, overlapping periods)."""


class ReferenceUnknown(DraftError):
    """A draft refers to a key figure or legal reference the register does not have."""


class RegisterEntryUnknown(LafastError):
    """`lafast register set` names an entry the register does not have."""


# -- issue 15b: SVG pictures in DOCX (PNG fallback) ----------------------------------------------


class ImageUnreadable(RenderError):
    """An SVG picture cannot be read or rasterised for the DOCX's PNG fallback."""


# -- issue 16b: revocation list of the office CA, archive timestamps, password prompt -----------


class CrlUnreadable(TrustAnchorError):
    """A certificate revocation list given or found is not a readable CRL."""


class RevocationError(SigningError):
    """A seal cannot be revoked (not issued by this authority, root key, date)."""


class PasswordMissing(SigningError):
    """A password or PIN is needed, its variable is not set and there is no terminal to ask at."""


class ArchiveError(SigningError):
    """Archive timestamps cannot be added (no service, nothing published, a file unreadable)."""
