"""The errors the core raises: each carries one sentence a person can act on."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "PlannerError",
    "PromptError",
    "ProjectError",
    "UnknownName",
    "UnknownItem",
    "SessionError",
    "SessionCorrupt",
    "SessionLocked",
    "SessionReadOnly",
    "TopicError",
    "PlanError",
    "GitRefusal",
]


class PlannerError(Exception):
    """Base of every error the command line prints as one sentence (never a traceback)."""


class PromptError(PlannerError):
    """A role prompt (or rule file) lacks a part the engine needs."""

    def __init__(self, part: str, file: str, detail: str = "") -> None:
        self.part = part
        self.file = file
        msg = f"{file}: cannot find the {part}"
        super().__init__(f"{msg} ({detail})" if detail else msg)


class ProjectError(PlannerError):
    """The project, prompt pack, role or epic cannot be found or chosen."""


class UnknownName(ProjectError):
    """The command line names a role that does not exist; the message lists the choices."""

    exit_code = 2
    """A usage error: the command line exits with 2, as for any other wrong argument."""


class SessionError(PlannerError):
    """The session cannot be read or changed."""


class SessionCorrupt(SessionError):
    """The session file exists but cannot be parsed; it was moved aside, never overwritten."""

    def __init__(self, message: str, *, moved_to: Path | None = None) -> None:
        super().__init__(message)
        self.moved_to = moved_to
        """Where the unreadable file was moved, for a dialog that offers a diff (None: left in place)."""


class SessionLocked(SessionError):
    """Another process holds the session lock for longer than we wait."""


class SessionReadOnly(SessionError):
    """The session was written by a newer version (or cannot be written) and is opened read-only."""


class TopicError(PlannerError):
    """A topic or entry operation is not allowed (unknown id, open questions, wrong kind)."""


class UnknownItem(TopicError):
    """The command names a topic, entry or plan section that does not exist; the message says what there is."""

    exit_code = 2
    """A usage error, like an unknown epic or role."""


class PlanError(PlannerError):
    """The plan cannot be rendered or written (template bug, unwritable path)."""


class GitRefusal(PlannerError):
    """git cannot be used safely for this commit; nothing was committed."""
