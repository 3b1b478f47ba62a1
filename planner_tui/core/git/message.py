"""The commit message clean-up git does for `git commit -m`, as commit.cleanup and core.commentChar set it."""

from __future__ import annotations

import pygit2

from planner_tui.core.errors import GitRefusal
from planner_tui.core.git.identity import config_str

__all__ = ["Cleanup", "cleanup_of", "clean_message"]

_CANDIDATES = "#;@!$%^&|:"
"""The comment characters `core.commentChar = auto` chooses from, in git's order."""


class Cleanup:
    """How git cleans the message of a commit made with `-m` (no editor) in this repository."""

    def __init__(self, mode: str, comment: str | None) -> None:
        self.mode = mode
        """`whitespace`, `strip` (comment lines too) or `verbatim`."""
        self.comment = comment
        """The comment string (`#`), or None for `auto`: chosen from the message, as git does."""

    def before_hooks(self, message: str) -> str:
        """The message as git writes it for the hooks: whitespace cleaned unless verbatim (where
        `-m` only completes the last line)."""
        if self.mode == "verbatim":
            return message if message.endswith("\n") else message + "\n"
        return clean_message(message)

    def after_hooks(self, message: str, original: str) -> str:
        """The message to commit once the hooks edited it (`original` picks an `auto` comment character)."""
        if self.mode == "verbatim":
            return message
        if self.mode == "strip":
            return clean_message(message, self.comment or _auto_comment(original))
        return clean_message(message)


def cleanup_of(config: pygit2.Config) -> Cleanup:
    """The clean-up `commit.cleanup` asks for with `-m`; an unknown mode is refused, as git refuses it."""
    mode = (config_str(config, "commit.cleanup") or "default").strip().lower()
    if mode in ("default", "scissors"):  # both mean whitespace when no editor is opened
        mode = "whitespace"
    if mode not in ("whitespace", "strip", "verbatim"):
        raise GitRefusal(f"Not committed: commit.cleanup is set to '{mode}', which git does not know either.")
    comment = config_str(config, "core.commentString") or config_str(config, "core.commentChar") or "#"
    return Cleanup(mode, None if comment == "auto" else comment)


def _auto_comment(message: str) -> str:
    """git's `core.commentChar = auto`: `#` unless the message holds one, else the first
    candidate that starts no line of it."""
    if "#" not in message:
        return "#"
    starts = {line[:1] for line in message.replace("\r", "\n").split("\n")}
    for ch in _CANDIDATES:
        if ch not in starts:
            return ch
    raise GitRefusal("Not committed: no comment character is free for this message (core.commentChar = auto).")


def clean_message(text: str, comment: str | None = None) -> str:
    """git's stripspace: drop lines starting with `comment` (when given), strip line ends,
    squeeze blank lines, drop leading and trailing ones, end with one newline."""
    out: list[str] = []
    for line in text.split("\n"):
        if comment and line.startswith(comment):
            continue
        line = line.rstrip(" \t\r\v\f")
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""
