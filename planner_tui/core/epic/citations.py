"""Citations: check the cited file, stamp its content hash, and find entries whose source changed since."""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from planner_tui.core.epic.artifacts import read_artifact
from planner_tui.core.errors import TopicError
from planner_tui.core.models import PLAN_KINDS, Artifact, Blocker, Citation, Entry, EpicTask, RoleSpec, Session
from planner_tui.core.text.reading import ReadResult, looks_outside, read_text_safely

__all__ = [
    "STALE_KINDS",
    "Stale",
    "parse_cite",
    "read_cited",
    "digest_of",
    "stamp",
    "restamp",
    "cited_digest",
    "staleness",
    "stale_entries",
    "stale_blockers",
]

STALE_KINDS = PLAN_KINDS
"""Kinds that land in the plan, and so can go stale when their source changes."""


class Stale(NamedTuple):
    """An entry whose cited file changed (or vanished) since it was cited."""

    topic: str
    entry: Entry
    reason: str
    """E.g. `04-prd.md changed since it was cited`."""


def parse_cite(value: str) -> Citation:
    """`PATH[:LINE]` as a Citation (`task:12` alone is the epic task, not line 12 of `task`)."""
    value = value.strip()
    path, sep, line = value.rpartition(":")
    if sep and line.isascii() and line.isdigit() and path and path != "task":
        return Citation(path=path, line=int(line))
    return Citation(path=value)


def _norm(root: Path, path: str) -> str:
    """Project-relative posix form of a cited path (an absolute path inside the root is accepted)."""
    text = path.strip().replace("\\", "/")
    as_path = Path(text)
    if as_path.is_absolute():
        try:
            text = as_path.resolve().relative_to(Path(root).resolve()).as_posix()
        except (ValueError, OSError):
            return text  # outside the project: refused by the reader
    while text.startswith("./"):
        text = text[2:]
    return str(PurePosixPath(text)) if text else text


def read_cited(root: Path, path: str, tasks: list[EpicTask] | None = None) -> ReadResult:
    """Read a cited file safely (never outside the project); `task:<id>` is the rendered epic task."""
    if path.startswith("task:"):
        return read_artifact(Path(root), Artifact(path=path, group="task", label=path, state="present"), tasks)
    if looks_outside(path):
        return ReadResult(path=path, state="refused", reason="outside the project (not followed)")
    return read_text_safely(Path(root), path)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest_of(root: Path, path: str, tasks: list[EpicTask] | None = None) -> str | None:
    """sha256 of the cited file's text as read now, or None when it cannot be read."""
    result = read_cited(root, path, tasks)
    return _hash(result.text) if result.state == "present" else None


def stamp(root: Path, cite: Citation, tasks: list[EpicTask] | None = None) -> Citation:
    """Check a citation and return it with the file's content hash (`sha256`) recorded.

    Refused with one sentence: a path outside the project, a file that does not exist or
    cannot be read as text, a line past the end of the file.
    """
    rel = _norm(root, cite.path)
    if not rel or rel == ".":
        raise TopicError("The citation names no file; use --cite PATH[:LINE].")
    result = read_cited(root, rel, tasks)
    if result.state != "present":
        why = result.reason or "it cannot be read"
        if result.state == "missing" and not result.reason:
            why = "there is no such file in the project"
        raise TopicError(f"Cannot cite {rel}: {why}.")
    if cite.line is not None:
        count = len(result.text.splitlines())
        if cite.line < 1 or cite.line > count:
            raise TopicError(f"Cannot cite {rel}:{cite.line}: the file has {count} line{'s' if count != 1 else ''}.")
    return Citation(path=rel, line=cite.line, sha256=_hash(result.text))


def cited_digest(entry: Entry) -> str | None:
    """The content hash recorded when the entry's file was cited, or None (never stamped)."""
    if entry.cite is None:
        return None
    value = getattr(entry.cite, "sha256", None)
    return value if isinstance(value, str) else None


def restamp(entry: Entry, root: Path, tasks: list[EpicTask] | None = None) -> None:
    """Record the cited file's current hash on the entry (in place); a vanished file clears it."""
    if entry.cite is None:
        return
    digest = digest_of(root, entry.cite.path, tasks)
    data = entry.cite.model_dump()
    data["sha256"] = digest
    if digest is None:
        data.pop("sha256")
    entry.cite = Citation(**data)


def staleness(entry: Entry, root: Path, tasks: list[EpicTask] | None = None) -> str | None:
    """Why the entry is stale (its cited file changed or vanished since it was cited), or None."""
    recorded = cited_digest(entry)
    if recorded is None or entry.kind not in STALE_KINDS or entry.cite is None:
        return None
    result = read_cited(root, entry.cite.path, tasks)
    if result.state != "present":
        return f"{entry.cite.path} is no longer readable ({result.reason or result.state})"
    if _hash(result.text) != recorded:
        return f"{entry.cite.path} changed since it was cited"
    return None


def stale_entries(session: Session, root: Path, tasks: list[EpicTask] | None = None) -> list[Stale]:
    """Every stale entry of the session, in thread order (each file read once)."""
    cache: dict[str, ReadResult] = {}
    found = []
    for topic in session.topics:
        for entry in topic.entries:
            if entry.cite is None:  # most entries cite nothing: asked first
                continue
            recorded = cited_digest(entry)
            if recorded is None or entry.kind not in STALE_KINDS:
                continue
            path = entry.cite.path
            if path not in cache:
                cache[path] = read_cited(root, path, tasks)
            result = cache[path]
            if result.state != "present":
                found.append(Stale(topic.id, entry, f"{path} is no longer readable ({result.reason or result.state})"))
            elif _hash(result.text) != recorded:
                found.append(Stale(topic.id, entry, f"{path} changed since it was cited"))
    return found


def stale_blockers(role: RoleSpec, stale: list[Stale]) -> list[Blocker]:
    """A `stale` blocker per stale entry (`stale_entries`), saying how to settle it."""
    out = []
    for item in stale:
        spec = role.topic(item.topic)
        label = f"topic {spec.number}, {spec.title}" if spec else f"topic {item.topic}"
        cite = str(item.entry.cite)
        out.append(
            Blocker(
                kind="stale",
                message=(
                    f"Entry {item.entry.id} ({label}) cites {cite}, but {item.reason}: re-read it, then "
                    f"re-confirm the entry (planner-tui reconfirm {item.entry.id}) or edit it."
                ),
                topic=item.topic,
                entry=item.entry.id,
            )
        )
    return out
