"""Read the epic tasks of `tasks.json` and `epics.json` (never written) and match them to epic folders."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from planner_tui.core.models import EpicTask
from planner_tui.core.text.reading import read_text_safely

__all__ = ["TASK_FILES", "SHARED_FOLDERS", "parse_artifact_list", "load_epic_tasks", "task_folders", "TaskIndex", "match_task"]

TASK_FILES: tuple[str, ...] = (".taskmaster/tasks/tasks.json", "epics.json")
"""Where epic tasks live, project-relative; read in this order, never written."""
SHARED_FOLDERS: tuple[str, ...] = ("packages",)
"""Folders beside the epics that every epic shares (package notes): never an epic."""

_TASKS_MAX = 50_000_000
_EPIC_TITLE = re.compile(r"\s*EPIC\s*:\s*(\S.*)", re.S)
_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*+])\s+(.+?)\s*$")
_MD_LINK = re.compile(r"\]\(\s*<?([^)>]+?)>?\s*\)")
_BACKTICKS = re.compile(r"`([^`]+)`")
_EXT = re.compile(r"\.[A-Za-z0-9]{1,8}$")


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
    """Names of the epic folders a task's artifacts list points into (shared folders are not epics)."""
    names: set[str] = set()
    for path in task.artifacts:
        parts = [p for p in path.replace("\\", "/").split("/") if p and p != "."]
        for i, part in enumerate(parts[:-1]):
            if part == "epics" and parts[i + 1].lower() not in SHARED_FOLDERS:
                names.add(parts[i + 1])
    return names


class TaskIndex:
    """The epic tasks by the folders they point into and by id, built once for many look-ups."""

    def __init__(self, tasks: list[EpicTask]) -> None:
        self.folders = [task_folders(t) for t in tasks]
        self.tasks = tasks
        self.by_folder: dict[str, list[int]] = {}
        self.by_id: dict[int | str, list[int]] = {}
        for n, (task, names) in enumerate(zip(tasks, self.folders)):
            for name in names:
                self.by_folder.setdefault(name, []).append(n)
            self.by_id.setdefault(task.id, []).append(n)

    def match(self, folder: str, epic_id: int | None) -> EpicTask | None:
        """The task of an epic folder: by id and folder, by folder alone, then by id alone."""
        pointing = self.by_folder.get(folder, [])
        same = self.by_id.get(epic_id, []) if epic_id is not None else []
        if not pointing and not same:
            return None  # most folders of a big project: no sets to build
        both = sorted(set(pointing) & set(same))
        if both:
            return self.tasks[both[0]]
        if pointing:
            return self.tasks[pointing[0]]
        # An id match only counts when the task does not point at another epic's folder.
        alone = [n for n in same if not (self.folders[n] - {folder})]
        return self.tasks[alone[0]] if alone else None


def match_task(folder: str, epic_id: int | None, tasks: list[EpicTask] | TaskIndex) -> EpicTask | None:
    """The task of an epic folder: by id and folder, by folder alone, then by id alone."""
    index = tasks if isinstance(tasks, TaskIndex) else TaskIndex(tasks)
    return index.match(folder, epic_id)
