"""Read the epic folders of a project (read-only) and choose one epic; the tasks are read by `tasks`."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Iterator, Literal, NamedTuple

from planner_tui.core.errors import ProjectError, UnknownName
from planner_tui.core.epic.tasks import (
    SHARED_FOLDERS,
    TASK_FILES,
    TaskIndex,
    load_epic_tasks,
    match_task,
    parse_artifact_list,
    task_folders,
)
from planner_tui.core.epic.title_cache import TITLE_DOCS, TitleCache
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
    "SHARED_FOLDERS",
    "epic_folders",
    "load_epic",
    "find_epic",
]

EPIC_ROOTS: tuple[str, ...] = (".task-master/epics", ".taskmaster/epics")
"""Folders that hold one folder per epic."""

_DOC_MAX = 65_536
_WALK_CAP = 20_000
_KEPT = frozenset(["roles", *(doc for doc, _ in TITLE_DOCS)])
"""The top-level names whose status a walk keeps: what the title and the role plans need."""
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
    for name, source in TITLE_DOCS:  # the documents the title cache watches
        result = read_text_safely(Path(root), f"{folder}/{name}", max_bytes=_DOC_MAX)
        if result.state != "present":
            continue
        heading = _first_heading(result.text)
        title = _clean_title(heading) if heading else ""
        if title:
            return title, source  # type: ignore[return-value]
    return None


def _scan(folder: str, rel: str = "", names: TitleCache | None = None) -> tuple[float, bool, dict[str, os.stat_result | None]]:
    """One walk of an epic folder: the newest mtime of it or anything inside (bounded for huge
    folders; symlinks are not followed), whether it holds `roles/`, and the status of the
    top-level files the title cache compares (TITLE_DOCS: a symlink's target, not the link).

    `names` (a listing's cache, `rel` the folder's project-relative path) gives the names in a
    folder unchanged since a listing read them, so only their status is asked (one call each);
    reading a folder's names costs five system calls more, which is most of a listing's time
    among 10,000 epic folders.
    """
    try:
        st = os.stat(folder)
    except OSError:
        return 0.0, False, {}
    newest = st.st_mtime
    top: dict[str, os.stat_result | None] = {}
    pending = [(folder, rel, st)]
    seen, first = 0, True
    while pending and seen <= _WALK_CAP:
        path, sub, here = pending.pop()
        for name, found in _entries(path, sub, here, names if rel else None):
            seen += 1
            if seen > _WALK_CAP:
                break
            if found.st_mtime > newest:
                newest = found.st_mtime
            if stat.S_ISDIR(found.st_mode):
                pending.append((f"{path}/{name}", f"{sub}/{name}", found))
            if first and name in _KEPT:
                top[name] = _followed(f"{path}/{name}", found)
        first = False
    roles = top.get("roles")
    return newest, roles is not None and stat.S_ISDIR(roles.st_mode), top


def _entries(path: str, rel: str, here: os.stat_result, names: TitleCache | None) -> Iterator[tuple[str, os.stat_result]]:
    """(name, status without following a link) of each entry of a folder; an entry that vanished
    meanwhile is left out. Names read here are remembered in `names` once all were read."""
    known = names.names(rel, here) if names is not None else None
    if known is not None:
        for name in known:
            try:
                yield name, os.lstat(f"{path}/{name}")
            except OSError:
                continue
        return
    listed: list[str] = []
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                try:
                    found = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                listed.append(entry.name)
                yield entry.name, found
    except OSError:
        return
    if names is not None:
        names.remember(rel, here, listed)


def _followed(path: str, st: os.stat_result) -> os.stat_result | None:
    if not stat.S_ISLNK(st.st_mode):
        return st
    try:
        return os.stat(path)
    except OSError:
        return None


def _newest_mtime(folder: Path) -> float:
    """The newest mtime of the folder or anything inside it (bounded for huge folders)."""
    return _scan(str(folder))[0]


def _roles_in(folder: Path) -> list[str]:
    try:
        names = os.listdir(folder / "roles")
    except OSError:
        return []
    return sorted(n[:-3] for n in names if _ROLE_FILE.match(n) and (folder / "roles" / n).is_file())


def _is_epic_folder(entry: os.DirEntry[str]) -> bool:
    if entry.name.startswith(".") or entry.name.lower() in SHARED_FOLDERS:
        return False
    try:
        return entry.is_dir()
    except OSError:
        return False


def epic_folders(root: Path) -> list[tuple[str, str]]:
    """(epic root, folder name) of every epic folder, by name; reads no file inside any of them."""
    found: list[tuple[str, str]] = []
    for base in EPIC_ROOTS:
        try:
            with os.scandir(Path(root) / base) as entries:
                names = sorted(e.name for e in entries if _is_epic_folder(e))
        except OSError:
            continue
        found.extend((base, name) for name in names)
    return found


def load_epic(root: Path, base: str, name: str, tasks: list[EpicTask] | TaskIndex, titles: TitleCache | None = None) -> Epic:
    """One epic folder read in full: its title (task, else PRD or idea heading, else slug), role
    plans and newest change; `titles` remembers the headings of a whole listing."""
    named = _FOLDER.match(name)
    epic_id = int(named.group(1)) if named else None
    slug = named.group(2) if named else name
    rel = f"{base}/{name}"
    task = match_task(name, epic_id, tasks)
    folder = f"{root}/{rel}"
    newest, has_roles, top = _scan(folder, rel, titles)
    source: Literal["task", "prd", "idea", "slug"]
    if task is not None and task.title:
        title, source = task.title, "task"
    else:
        read = lambda: epic_title_from_docs(Path(root), rel)  # noqa: E731
        from_docs = titles.title(rel, [top.get(doc) for doc, _ in TITLE_DOCS], read) if titles else read()
        if from_docs:
            title, source = from_docs
        else:
            words = [w for w in re.split(r"[-_\s]+", slug) if w]
            title, source = " ".join(w.capitalize() for w in words) or name, "slug"
    return Epic(
        folder=name,
        path=rel,
        id=epic_id,
        slug=slug,
        title=title,
        title_source=source,
        roles=_roles_in(Path(folder)) if has_roles else [],
        mtime=newest,
        task=task,
    )


def _order(epic: Epic) -> tuple[bool, int, str, str]:
    return (epic.id is None, epic.id or 0, epic.folder, epic.path)


def list_epics(root: Path, tasks: list[EpicTask] | None = None) -> list[Epic]:
    """Every epic folder under `.task-master/epics/` and `.taskmaster/epics/`, by id then folder.

    Titles come from the epic task, else the PRD or idea heading (remembered under `.planner-tui/`
    until the document changes), else the slug. The folders in SHARED_FOLDERS (`packages/`, notes every epic shares) are not epics.
    """
    root = Path(root)
    index = TaskIndex(load_epic_tasks(root) if tasks is None else tasks)
    titles = TitleCache(root)
    epics = sorted((load_epic(root, base, name, index, titles) for base, name in epic_folders(root)), key=_order)
    titles.save()
    return epics


def find_epic(root: Path, ref: str | None, tasks: list[EpicTask], folders: list[tuple[str, str]] | None = None) -> Epic:
    """The epic `ref` names (as choose_epic reads it), reading only that epic's folder.

    Id, folder, slug and path are matched on the folder names alone; a ref that matches none
    of them (a slug prefix, a title) reads every title, as choose_epic does, and no ref with
    several epics looks at the times of each folder (the most recently changed), never a title.
    `folders` is `epic_folders(root)` when the caller listed them already.
    """
    root = Path(root)
    folders = epic_folders(root) if folders is None else folders
    if not folders:
        raise ProjectError(f"There are no epic folders under {' or '.join(EPIC_ROOTS)}.")
    if ref is None or not ref.strip():
        bare = [_bare_epic(base, name) for base, name in folders]
        if len(bare) > 1:
            newest = max(bare, key=lambda e: (_newest_mtime(root / e.path), e.id or 0, e.folder))
            return load_epic(root, *newest.path.rsplit("/", 1), tasks)
        return load_epic(root, *bare[0].path.rsplit("/", 1), tasks)
    # Plain tuples, not Epic models, and only for the folders the ref may name: naming one epic
    # among 10,000 folders builds no record for the others.
    try:
        try:
            chosen = choose_epic([_bare_epic(*f) for f in _candidates(folders, ref)], ref, titles=False)  # type: ignore[misc]
        except UnknownName:  # none of them: choose among all, so the message names every choice
            chosen = choose_epic([_bare_epic(*f) for f in folders], ref, titles=False)  # type: ignore[misc]
    except ProjectError:
        chosen = choose_epic(list_epics(root, tasks), ref)  # the slow road: it reads every title
    return load_epic(root, *chosen.path.rsplit("/", 1), tasks)


class _Named(NamedTuple):
    """An epic known by its folder name only (no title, roles or time read)."""

    folder: str
    path: str
    id: int | None
    slug: str
    title: str = ""
    mtime: float = 0.0


def _candidates(folders: list[tuple[str, str]], ref: str) -> list[tuple[str, str]]:
    """The folders `ref` may name by id, folder, slug or path (a superset, in order, tested on the
    names as text): choose_epic without titles then picks among them exactly as among all."""
    text = ref.strip().replace("\\", "/").rstrip("/")
    path = text.removeprefix("./") if "/" in text else None
    low = text.rsplit("/", 1)[-1].lower()
    if not low.isascii():
        return folders
    want = int(low) if low.isdigit() else None
    found = []
    for base, name in folders:
        lowered = name.lower()
        head, cut, rest = lowered.partition("_")
        if not name.isascii() or lowered == low or (cut and rest == low) or (path is not None and f"{base}/{name}" == path):
            found.append((base, name))
        elif want is not None and cut and head.isdigit() and int(head) == want:
            found.append((base, name))
    return found


def _bare_epic(base: str, name: str) -> _Named:
    named = _FOLDER.match(name)
    slug = named.group(2) if named else name
    return _Named(name, f"{base}/{name}", int(named.group(1)) if named else None, slug)


def _names(epics: list[Epic]) -> str:
    folders = [e.folder for e in epics]
    return ", ".join(e.path if folders.count(e.folder) > 1 else e.folder for e in epics)


def choose_epic(epics: list[Epic], ref: str | None, *, titles: bool = True) -> Epic:
    """Pick the epic ref names (id `12`/`012`, slug, folder or path); None picks the only or newest.

    No epics, an unknown ref or an ambiguous one is a ProjectError naming the choices. Without
    `titles` (epics known by folder name only) only id, folder, slug and path match.
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
    if not matches and titles:
        matches = [e for e in epics if e.slug.lower().startswith(low) or e.title.lower() == low]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ProjectError(f"The epic '{ref}' is ambiguous; choose one of: {_names(matches)}.")
    raise UnknownName(f"There is no epic '{ref}'; choose one of: {_names(epics)}.")
