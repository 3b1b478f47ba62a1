"""Fill a role's templates for one epic: the plan path, the commit message and the reply line."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from planner_tui.core.models import RoleSpec
from planner_tui.core.text.display import clean_line, shown_name

__all__ = ["output_path", "commit_message", "reply_line", "derived_commit_template", "TITLE_LIMIT"]

TITLE_LIMIT = 200
"""Longest epic title put into a commit subject."""

_EPIC_FOLDER = re.compile(r"<\s*epic[ _-]?folder\s*>", re.IGNORECASE)
_EPIC_TITLE = re.compile(r"<\s*epic[ _-]?title\s*>", re.IGNORECASE)
_ROLE = re.compile(r"<\s*role(?:[ _-]?name)?\s*>", re.IGNORECASE)
_PATH = re.compile(r"<\s*(?:plan[ _-]?)?path\s*>", re.IGNORECASE)


def derived_commit_template(name: str, output: str, template: str | None = None) -> str:
    """The commit message for a prompt without a git step, in the pipeline's own shape:
    `<Role> plan documented for <epic title>`, a blank line, `Path: <plan path>`.

    `template` (a project setting) replaces that shape; `<role>` and `<path>` in it are filled here,
    `<epic title>` and `<epic folder>` per epic by commit_message.
    """
    text = template if template is not None else "<role> plan documented for <epic title>\n\nPath: <path>"
    text = _ROLE.sub(lambda _: name, text)
    return _PATH.sub(lambda _: output, text)


def output_path(role: RoleSpec, epic_path: str) -> str:
    """The plan's project-relative path for this epic folder (which may be `.taskmaster/epics/…`)."""
    tpl = role.output_path_template
    epic = epic_path.rstrip("/")  # a name used as a path is used byte for byte, never cleaned
    m = _EPIC_FOLDER.search(tpl)
    if m:
        return epic + tpl[m.end() :]
    at = tpl.rfind("roles/")
    rest = tpl[at:] if at >= 0 else PurePosixPath(tpl).name
    return f"{epic}/{rest}"


def commit_message(role: RoleSpec, epic_title: str, epic_path: str) -> str:
    """The commit message: the subject with a sanitised one-line epic title (control characters
    removed, capped at TITLE_LIMIT), a blank line and the body with the real plan path.

    No trailing newline is added."""
    folder = shown_name(PurePosixPath(epic_path.rstrip("/")).name)
    title = clean_line(epic_title, TITLE_LIMIT) or folder
    msg = role.commit_template.replace(role.output_path_template, shown_name(output_path(role, epic_path)))
    msg = _EPIC_FOLDER.sub(lambda _: folder, msg)
    return _EPIC_TITLE.sub(lambda _: title, msg)


def reply_line(role: RoleSpec, plan_path: str) -> str:
    """The one-line reply with the plan's path filled in."""
    path = shown_name(plan_path)
    tpl = role.reply_template
    pattern = r"<\s*path[^>]*>" if re.search(r"<\s*path[^>]*>", tpl) else r"<[^<>]+>"
    if not re.search(pattern, tpl):
        return f"{tpl} {path}"
    return re.sub(pattern, lambda _: path, tpl, count=1)
