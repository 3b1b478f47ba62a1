"""Read the epic tasks and epic folders of a project (read-only), and choose one epic."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal

from planner_tui.core.errors import ProjectError, UnknownName
from planner_tui.core.models import Epic, EpicTask
from planner_tui.core.text.reading import read_text_safely

__all__ = [
    "TASK_FILES",
    "EPIC_ROOTS",
    "parse_artifact_list",
    "load_epic_tasks",
    "task_folders",
    "match_task",
    "epic_title_from_docs",
    "list_epics",
    "choose_epic",
]

TASK_FILES: tuple[str, ...] = (".taskmaster/tasks/tasks.json", "epics.json")
"""Where epic tasks live, project-relative; read in this order, never written."""
EPIC_ROOTS: tuple[str, ...] = (".task-master/epics", ".taskmaster/epics")
"""Folders that hold one folder per epic."""

_TASKS_MAX = 50_000_000
_DOC_MAX = 65_536
_WALK_CAP = 20_000
_EPIC_TITLE = re.compile(r"\s*EPIC\s*:\s*(\S.*)", re.S)
_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*+])\s+(.+?)\s*$")
_MD_LINK = re.compile(r"\]\(\s*<?([^)>]+?)>?\s*\)")
_BACKTICKS = re.compile(r"`([^`]+)`")
_EXT = re.compile(r"\.[A-Za-z0-9]{1,8}$")
_FOLDER = re.compile(r"^(\d+)_(.+)$")
_ROLE_FILE = re.compile(r"^(\d\d)-.+\.md$")
_HEADING = re.compile(r"^#\s+(.+?)(?:\s+#+)?\s*$")
_DOC_WORDS = (
    r"product requirements(?: document)?|prd|idea|discussion|requirements|overview|summary|"
    r"brief|spec(?:ification)?"
)
_SUFFIX = re.compile(
    rf"\s*(?:\s[—–-]{{1,2}}\s*|:\s*)(?:{_DOC_WORDS})\s*$|\s*\((?:{_DOC_WORDS})\)\s*$", re.I
)
_PREFIX = re.compile(rf"^(?:{_DOC_WORDS})(?:\s*:|\s+[—–-]{{1,2}}\s|\s+for\s)\s*", re.I)


def _looks_like_path(text: str) -> bool:
    return bool(text) and ("/" in text or "\\" in text or bool(_EXT.search(text)))


def _path_in(item: str) -> str | None:
    """The path an artifacts-list item names, read loosely (`1. path`, `- PRD: \\`x.md\\``)."""
    for pattern in (_MD_LINK, _BACKTICKS):
        found = pattern.search(item)
        if found and _looks_like_path(found.group(1).strip()):
            return found.group(1).strip()
    candidate = item.strip().strip("`\"'")
    if " " in candidate and ": " in candidate:
        candidate = candidate.rsplit(": ", 1)[1].strip().strip("`\"'")
    candidate = candidate.rstrip(",;.") if not candidate.endswith("..") else candidate
    if " " in candidate or not _looks_like_path(candidate):
        return None
    return candidate


def parse_artifact_list(details: str) -> list[str]:
    """Paths of the numbered (or bulleted) artifacts list in a task's details, in order."""
    paths: list[str] = []
    for line in details.splitlines():
        item = _ITEM.match(line)
        if item:
            path = _path_in(item.group(1))
            if path and path not in paths:
                paths.append(path)
    return paths


def _coerce_id(value: Any) -> int | str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text:
        return None
    return int(text) if text.isascii() and text.isdigit() else text


def _task_lists(data: Any) -> list[tuple[str | None, list[Any]]]:
    """The task lists of a tagged (`{tag: {tasks}}`), legacy (`{tasks}`) or bare-list file."""
    if isinstance(data, list):
        return [(None, data)]
    if not isinstance(data, dict):
        return []
    lists: list[tuple[str | None, list[Any]]] = []
    if isinstance(data.get("tasks"), list):
        lists.append((None, data["tasks"]))
    for tag, value in data.items():
        if tag != "tasks" and isinstance(value, dict) and isinstance(value.get("tasks"), list):
            lists.append((str(tag), value["tasks"]))
    return lists


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def load_epic_tasks(root: Path) -> list[EpicTask]:
    """Every top-level `EPIC: <title>` task of tasks.json and epics.json, in file order.

    Files that are absent, unreadable or not valid JSON are skipped; nothing is ever written.
    """
    tasks: list[EpicTask] = []
    for rel in TASK_FILES:
        result = read_text_safely(Path(root), rel, max_bytes=_TASKS_MAX)
        if result.state != "present" or result.truncated:
            continue
        try:
            data = json.loads(result.text)
        except (ValueError, RecursionError):
            continue
        for tag, items in _task_lists(data):
            for item in items:
                if not isinstance(item, dict):
                    continue
                title = _EPIC_TITLE.fullmatch(_as_text(item.get("title")))
                task_id = _coerce_id(item.get("id"))
                if title is None or task_id is None:
                    continue
                details = _as_text(item.get("details"))
                tasks.append(
                    EpicTask(
                        id=task_id,
                        title=title.group(1).strip(),
                        description=_as_text(item.get("description")),
                        details=details,
                        artifacts=parse_artifact_list(details),
                        source=rel,
                        tag=tag,
                    )
                )
    return tasks


def task_folders(task: EpicTask) -> set[str]:
    """Names of the epic folders a task's artifacts list points into."""
    names: set[str] = set()
    for path in task.artifacts:
        parts = [p for p in path.replace("\\", "/").split("/") if p and p != "."]
        for i, part in enumerate(parts[:-1]):
            if part == "epics":
                names.add(parts[i + 1])
    return names


def match_task(folder: str, epic_id: int | None, tasks: list[EpicTask]) -> EpicTask | None:
    """The task of an epic folder: by id and folder, by folder alone, then by id alone."""

    def same_id(task: EpicTask) -> bool:
        return epic_id is not None and task.id == epic_id

    for wanted in (
        lambda t: folder in task_folders(t) and same_id(t),
        lambda t: folder in task_folders(t),
        # An id match only counts when the task does not point at another epic's folder.
        lambda t: same_id(t) and not (task_folders(t) - {folder}),
    ):
        found = next((t for t in tasks if wanted(t)), None)
        if found is not None:
            return found
    return None


def _first_heading(text: str) -> str | None:
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":  # skip YAML front matter
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")), 0)
        lines = lines[end + 1 :]
    fence: str | None = None
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = None if fence == marker else (fence or marker)
            continue
        if fence is None:
            found = _HEADING.match(line)
            if found:
                return found.group(1)
    return None


def _clean_title(heading: str) -> str:
    title = heading.strip().strip("*_`").strip()
    title = _SUFFIX.sub("", title)
    title = _PREFIX.sub("", title)
    return title.strip().strip("*_`").strip()


def epic_title_from_docs(root: Path, folder: str) -> tuple[str, Literal["prd", "idea"]] | None:
    """The epic title from the first `# ` heading of `04-prd.md`, else `02-idea.md`, or None.

    folder is project-relative; suffixes such as ` — Product Requirements Document` are removed.
    """
    for name, source in (("04-prd.md", "prd"), ("02-idea.md", "idea")):
        result = read_text_safely(Path(root), f"{folder}/{name}", max_bytes=_DOC_MAX)
        if result.state != "present":
            continue
        heading = _first_heading(result.text)
        title = _clean_title(heading) if heading else ""
        if title:
            return title, source  # type: ignore[return-value]
    return None


def _newest_mtime(folder: Path) -> float:
    """The newest mtime of the folder or anything inside it (bounded for huge folders)."""
    try:
        newest = folder.stat().st_mtime
    except OSError:
        return 0.0
    seen = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files + _dirs:
            seen += 1
            if seen > _WALK_CAP:
                return newest
            try:
                newest = max(newest, os.lstat(os.path.join(dirpath, name)).st_mtime)
            except OSError:
                continue
    return newest


def _roles_in(folder: Path) -> list[str]:
    try:
        names = os.listdir(folder / "roles")
    except OSError:
        return []
    return sorted(n[:-3] for n in names if _ROLE_FILE.match(n) and (folder / "roles" / n).is_file())


def list_epics(root: Path, tasks: list[EpicTask] | None = None) -> list[Epic]:
    """Every epic folder under `.task-master/epics/` and `.taskmaster/epics/`, by id then folder.

    Titles come from the epic task, else the PRD or idea heading, else the slug.
    """
    root = Path(root)
    if tasks is None:
        tasks = load_epic_tasks(root)
    epics: list[Epic] = []
    for base in EPIC_ROOTS:
        try:
            entries = sorted(os.scandir(root / base), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            named = _FOLDER.match(entry.name)
            epic_id = int(named.group(1)) if named else None
            slug = named.group(2) if named else entry.name
            rel = f"{base}/{entry.name}"
            task = match_task(entry.name, epic_id, tasks)
            source: Literal["task", "prd", "idea", "slug"]
            if task is not None and task.title:
                title, source = task.title, "task"
            else:
                from_docs = epic_title_from_docs(root, rel)
                if from_docs:
                    title, source = from_docs
                else:
                    words = [w for w in re.split(r"[-_\s]+", slug) if w]
                    title, source = " ".join(w.capitalize() for w in words) or entry.name, "slug"
            folder = Path(entry.path)
            epics.append(
                Epic(
                    folder=entry.name,
                    path=rel,
                    id=epic_id,
                    slug=slug,
                    title=title,
                    title_source=source,
                    roles=_roles_in(folder),
                    mtime=_newest_mtime(folder),
                    task=task,
                )
            )
    epics.sort(key=lambda e: (e.id is None, e.id or 0, e.folder, e.path))
    return epics


def _names(epics: list[Epic]) -> str:
    folders = [e.folder for e in epics]
    return ", ".join(e.path if folders.count(e.folder) > 1 else e.folder for e in epics)


def choose_epic(epics: list[Epic], ref: str | None) -> Epic:
    """Pick the epic ref names (id `12`/`012`, slug, folder or path); None picks the only or newest.

    No epics, an unknown ref or an ambiguous one is a ProjectError naming the choices.
    """
    if not epics:
        raise ProjectError(f"There are no epic folders under {' or '.join(EPIC_ROOTS)}.")
    if ref is None or not ref.strip():
        if len(epics) == 1:
            return epics[0]
        return max(epics, key=lambda e: (e.mtime, e.id or 0, e.folder))
    text = ref.strip().replace("\\", "/").rstrip("/")
    if "/" in text:
        by_path = [e for e in epics if e.path == text.removeprefix("./")]
        if by_path:
            return by_path[0]
        text = text.rsplit("/", 1)[1]
    low = text.lower()
    matches = [
        e
        for e in epics
        if (low.isascii() and low.isdigit() and e.id is not None and int(low) == e.id)
        or low == e.folder.lower()
        or low == e.slug.lower()
    ]
    if not matches:
        matches = [e for e in epics if e.slug.lower().startswith(low) or e.title.lower() == low]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ProjectError(f"The epic '{ref}' is ambiguous; choose one of: {_names(matches)}.")
    raise UnknownName(f"There is no epic '{ref}'; choose one of: {_names(epics)}.")
