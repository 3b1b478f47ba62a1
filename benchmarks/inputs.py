"""Build the benchmark inputs: the demo project with a long session, a 2 MB PRD, a 100,000-file repository."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

__all__ = [
    "EPIC",
    "PRD_NAME",
    "build_project",
    "fill_session",
    "session_entries",
    "write_prd",
    "build_big_repo",
    "git_env",
]

EPIC = "009_photo-annotations"
"""The demo's working epic; every UI row opens it."""
PRD_NAME = "04-prd.md"
"""The large artifact: the epic's PRD, grown to megabytes (the artifact list shows it)."""

_START = datetime(2025, 3, 4, 9, 0, tzinfo=timezone.utc)
_DECISIONS = [
    "Store annotations in `photo_annotations` (id, photo_id, author_id, body, x, y, created_at); index photo_id.",
    "POST /api/photos/{photo}/annotations returns 201 with the AnnotationResource; 422 on a bad body.",
    "Authorise with AnnotationPolicy: technicians edit their own, supervisors edit every annotation.",
    "Thumbnails are made by the ProcessPhoto job on the `media` queue, three tries with backoff.",
    "Log every annotation change with the photo id and the author id, never the body text.",
]
_RISKS = ["Large photos on a slow network may time out; uploads are chunked and resumable."]
_NOTES = ["Annotations keep their history in `annotation_revisions`; nothing is deleted for audit."]


def git_env(home: Path) -> dict[str, str]:
    """An environment where git and pygit2 see a fixed identity and no user configuration."""
    config = home / "gitconfig"
    if not config.exists():
        home.mkdir(parents=True, exist_ok=True)
        config.write_text("[user]\n\tname = Bench Planner\n\temail = bench@example.test\n[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    env = dict(os.environ)
    # Bytecode as an installed planner-tui has it (pip compiles on install): without the cache each
    # fresh process would compile planner-tui's modules again, which no person's start pays.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        HOME=str(home),
        GIT_CONFIG_GLOBAL=str(config),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Bench Planner",
        GIT_AUTHOR_EMAIL="bench@example.test",
        GIT_COMMITTER_NAME="Bench Planner",
        GIT_COMMITTER_EMAIL="bench@example.test",
    )
    return env


def build_project(dest: Path) -> Path:
    """A git copy of the bundled demo project at dest."""
    from planner_tui.demo import make_demo

    return make_demo(dest, now=_START.timestamp())


def session_entries(count: int, *, seed: int = 0) -> list[tuple[str, str]]:
    """(kind, text) for `count` plan entries: mostly decisions, some risks and notes."""
    out = []
    for n in range(count):
        k = (n + seed) % 10
        if k == 8:
            out.append(("risk", f"{_RISKS[0]} ({n})"))
        elif k == 9:
            out.append(("note", f"{_NOTES[0]} ({n})"))
        else:
            out.append(("decision", f"{_DECISIONS[n % len(_DECISIONS)]} ({n})"))
    return out


def fill_session(project: Path, plan_lines: int | None = None, *, entries: int | None = None, questions: int = 0) -> int:
    """Give the epic's backend session enough entries for a plan of about `plan_lines` lines
    (or exactly `entries` entries).

    Entries are spread over every topic; one save writes them (adding them one by one would
    measure the store, not build an input). Returns the number of entries.
    """
    from planner_tui.core.engine import Planner
    from planner_tui.core.models import Entry

    planner = Planner.open(project, epic=EPIC, clock=lambda: _START)
    topics = [t.id for t in planner.role.topics]
    # A bullet is one line; the scaffold adds about 2 lines per section.
    count = entries if entries is not None else max(1, (plan_lines or 0) - 2 * (len(planner.role.scaffold.sections) + 1))

    def fill(session):
        for n, (kind, text) in enumerate(session_entries(count)):
            state = session.topic(topics[n % len(topics)])
            state.entries.append(Entry(id=f"e-{n:06x}", kind=kind, text=text, at=_START + timedelta(seconds=n)))
        for n in range(questions):
            state = session.topic(topics[n % len(topics)])
            state.entries.append(
                Entry(id=f"q-{n:06x}", kind="question", text=f"Open question {n}?", at=_START + timedelta(seconds=count + n), status="open")
            )

    planner._mutate(fill)  # noqa: SLF001 - the engine's single write path, used once to build input
    return count + questions


def write_prd(folder: Path, size: int, *, name: str = PRD_NAME) -> Path:
    """A markdown PRD of about `size` bytes: headings, paragraphs, bullet lists and tables."""
    blocks = []
    n = 0
    total = 0
    while total < size:
        n += 1
        block = (
            f"## Requirement {n}: offline annotation sync, part {n}\n\n"
            f"A technician in the field annotates photo {n} while offline. The app keeps the "
            f"annotation in its local queue and sends it when the network returns; the server "
            f"keeps the newest edit and records the older one as a revision (requirement {n}).\n\n"
            f"- The annotation body is plain text of at most 2,000 characters ({n}).\n"
            f"- Supervisors see every annotation of their team's photos.\n"
            f"- Deleting a photo keeps its annotations for ninety days.\n\n"
            f"| field | type | note |\n|---|---|---|\n| body | text | plain, {n} |\n| x | float | 0..1 |\n\n"
        )
        blocks.append(block)
        total += len(block.encode("utf-8"))
    text = f"# Product Requirements: photo annotations (long edition)\n\n{''.join(blocks)}"
    data = text.encode("utf-8")[:size]
    path = folder / name
    path.write_bytes(data.decode("utf-8", "ignore").encode("utf-8"))
    return path


def build_big_repo(dest: Path, files: int, env: dict[str, str], *, plan_rel: str) -> Path:
    """A git repository of `files` small files in nested folders, all committed, index written.

    Made with `git fast-import` (seconds, not minutes) and then checked out so the work tree,
    the index and HEAD agree, as in a real repository.
    """
    dest.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True, env=env)
    lines = [
        "commit refs/heads/main",
        "committer Bench Planner <bench@example.test> 1741078800 +0000",
        "data 12",
        "big project",
    ]
    body = []
    for n in range(files):
        # 100 top folders x 10 sub folders x N files: the shape of a large monorepo.
        path = f"src/mod{n % 100:03d}/part{(n // 100) % 10}/file{n:06d}.php"
        content = f"<?php // file {n}\n"
        body.append(f"M 100644 inline {path}\ndata {len(content.encode())}\n{content}")
    stream = "\n".join(lines) + "\n" + "".join(body) + "\n"
    subprocess.run(["git", "fast-import", "--quiet"], input=stream.encode(), cwd=dest, check=True, env=env)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=dest, check=True, env=env)
    (dest / plan_rel).parent.mkdir(parents=True, exist_ok=True)
    return dest
