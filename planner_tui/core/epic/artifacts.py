"""List and read the prior artifacts of an epic that a role must read (read-only)."""

from __future__ import annotations

import os
import re
from collections import deque
from pathlib import Path
from typing import Literal

from planner_tui.core.epic.tasks import SHARED_FOLDERS, load_epic_tasks
from planner_tui.core.epic.links import extract_links, is_url, link_target
from planner_tui.core.models import Artifact, Epic, EpicTask
from planner_tui.core.text.reading import (
    NOT_REGULAR,
    OUTSIDE,
    ReadResult,
    probe,
    read_text_safely,
    remembering_folders,
    resolve_inside,
)
from planner_tui.core.pack.workspace import RULE_FILES

__all__ = [
    "GROUP_ORDER",
    "EXTRA_RULE_FILES",
    "PIPELINE_RULES",
    "LINK_OUTSIDE",
    "LINK_DEPTH",
    "LINK_COUNT",
    "LINK_PER_DOC",
    "FOLDER_CAP",
    "render_task",
    "prior_artifacts",
    "read_artifact",
]

Group = Literal["rules", "task", "planning", "stories", "diagrams", "packages", "roles", "linked"]
GROUP_ORDER: tuple[Group, ...] = (
    "rules", "task", "planning", "packages", "stories", "diagrams", "linked", "roles"
)
"""The order the groups are listed in."""
LINK_OUTSIDE = "link outside project (not followed)"
TASK_GONE = "the epic task is not in tasks.json or epics.json"
LINK_DEPTH = 3
"""Links are followed this many documents deep from the epic folder's own documents."""
LINK_COUNT = 200
"""At most this many linked files are listed; the rest get one "link limit reached" note."""
FOLDER_CAP = 500
"""At most this many files of one epic subfolder are listed; the rest get a note."""
LINK_PER_DOC = 100
"""At most this many new linked files are taken from any one document."""

_SUBFOLDERS: dict[str, Group] = {"packages": "packages", "stories": "stories", "diagrams": "diagrams"}
EXTRA_RULE_FILES: tuple[str, ...] = ("04-rules.md",)
"""Rule files of the pack beyond RULE_FILES: listed with the rules when the pack has them."""
PIPELINE_RULES = ".cursor/rules/epics"
"""The folder of the pipeline's `.mdc` rules for working on epics (project-relative)."""
_MDC = re.compile(r".+\.mdc$")
_NUMBERED = re.compile(r"^\d\d-.+")
_ROLE = re.compile(r"^(\d\d)-.+\.md$")
_MARKDOWN = (".md", ".markdown")
"""Links found per document text (by length and hash): the list is made again on every file change."""
_NO_LINKS = frozenset({"rules", "task", "roles"})
_SORTED = frozenset({"planning", "packages", "stories", "diagrams", "roles"})


def render_task(task: EpicTask) -> str:
    """The epic task as markdown: `# EPIC: <title>`, where it comes from, description, details."""
    where = f"{task.source}, tag `{task.tag}`" if task.tag else task.source
    parts = [f"# EPIC: {task.title}", f"_Task {task.id} in {where}_"]
    if task.description.strip():
        parts.append(task.description.strip())
    if task.details.strip():
        parts.append("## Details\n\n" + task.details.strip())
    return "\n\n".join(parts) + "\n"


class _Collector:
    """Artifacts in the order found, each file once (by canonical path)."""

    def __init__(self, root: Path, epic: Epic) -> None:
        self.root = root
        self.root_real = Path(os.path.realpath(root))
        real, _ = resolve_inside(root, epic.path)
        self.epic_rel = real.relative_to(self.root_real).as_posix() if real else epic.path
        self.items: list[Artifact] = []
        self.keys: set[str] = set()
        parent = self.epic_rel.rpartition("/")[0]
        self.shared = tuple(f"{parent}/{name}/" for name in SHARED_FOLDERS)

    def group_of(self, rel: str, default: Group) -> Group:
        """The folder group of a canonical path inside the epic folder (or the shared packages), else default."""
        prefix = self.epic_rel + "/"
        if rel.startswith(self.shared):
            return "packages"
        if not rel.startswith(prefix):
            return default
        inner = rel[len(prefix) :]
        head, _, rest = inner.partition("/")
        if not rest:
            return "planning" if _NUMBERED.match(head) else default
        if head == "roles":
            return "roles"
        return _SUBFOLDERS.get(head, default)

    def label_of(self, rel: str) -> str:
        prefix = self.epic_rel + "/"
        return rel[len(prefix) :] if rel.startswith(prefix) else rel

    def add_refused(self, shown: str, group: Group, reason: str) -> None:
        key = "refused:" + shown
        if key not in self.keys:
            self.keys.add(key)
            self.items.append(
                Artifact(path=shown, group=group, label=shown, state="refused", reason=reason)
            )

    def add_file(
        self,
        rel: str,
        group: Group,
        *,
        label: str | None = None,
        missing: str = "not found",
        outside_reason: str = OUTSIDE,
    ) -> str | None:
        """Add a project-relative file; return its canonical path when it was new and present."""
        real, why = resolve_inside(self.root, rel)
        if real is None:
            self.add_refused(rel, group, outside_reason if why == OUTSIDE else (why or OUTSIDE))
            return None
        if real.is_dir():
            # Folders are not files to read; a link to one named like a document is reported.
            if group == "linked" and real.name.lower().endswith(_MARKDOWN):
                self.add_refused(real.relative_to(self.root_real).as_posix(), group, NOT_REGULAR)
            return None
        canon = real.relative_to(self.root_real).as_posix()
        if canon in self.keys:
            return None
        self.keys.add(canon)
        result = probe(self.root, canon)
        reason = missing if result.state == "missing" else result.reason
        self.items.append(
            Artifact(
                path=canon,
                group=self.group_of(canon, group),
                label=label or self.label_of(canon),
                state=result.state,
                reason=reason,
                size=result.size,
            )
        )
        return canon if result.state == "present" else None


def _add_pipeline_rules(col: _Collector) -> None:
    """The pipeline's rule files for epics (`.cursor/rules/epics/*.mdc`), when the project has them."""
    _add_folder(col, PIPELINE_RULES, "rules", _MDC)


def _add_folder(
    col: _Collector,
    rel: str,
    group: Group,
    pattern: re.Pattern[str] | None = None,
    role_key: str | None = None,
) -> None:
    """Add the files directly in a project-relative folder, at most FOLDER_CAP, then a note."""
    folder = col.root / rel
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return
    wanted = [n for n in names if not n.startswith(".") and (pattern is None or pattern.match(n))]
    if role_key is not None:
        wanted = [n for n in wanted if not _not_prior(n, role_key)]
    added = 0
    for i, name in enumerate(wanted):
        if added >= FOLDER_CAP:
            left = sum(1 for n in wanted[i:] if not (folder / n).is_dir())
            col.items.append(
                Artifact(
                    path=f"note:{rel}",
                    group=group,
                    label="folder limit reached",
                    state="refused",
                    reason=f"{left} more files in {rel} are not listed (limit {FOLDER_CAP})",
                )
            )
            return
        if not (folder / name).is_dir():
            col.add_file(f"{rel}/{name}", group)
            added += 1


def _add_rules(col: _Collector, pack: Path) -> None:
    pack_real = Path(os.path.realpath(pack))
    extra = [n for n in EXTRA_RULE_FILES if (pack_real / n).is_file()]  # listed only when present
    for name in RULE_FILES + tuple(extra):
        if pack_real.is_relative_to(col.root_real):
            rel = (pack_real / name).relative_to(col.root_real).as_posix()
            col.add_file(rel, "rules", label=name, missing="not found in the prompt pack")
            continue
        # A pack outside the project was chosen explicitly (override); read it where it is.
        result = probe(pack_real, name)
        col.items.append(
            Artifact(
                path=(pack_real / name).as_posix(),
                group="rules",
                label=name,
                state=result.state,
                reason=result.reason,
                size=result.size,
            )
        )


def _follow_links(col: _Collector, docs: list[str]) -> None:
    queue = deque((doc, 0) for doc in docs if doc.lower().endswith(_MARKDOWN))
    read: set[str] = set()
    count = 0
    limited = False
    while queue:
        doc, depth = queue.popleft()
        if count >= LINK_COUNT:
            limited = True  # the cap is reached: reading further documents cannot add anything
            break
        if doc in read:
            continue
        read.add(doc)
        result = read_text_safely(col.root, doc)
        if result.state != "present":
            continue
        from_doc = 0
        for raw in extract_links(result.text):
            target, outside = link_target(doc, raw, col.epic_rel, col.root_real)
            if target is None and not outside:
                continue
            # The per-document cap keeps one link farm from starving every other document.
            if depth >= LINK_DEPTH or count >= LINK_COUNT or from_doc >= LINK_PER_DOC:
                # Only a link that would have added something new makes the limit worth a note.
                key = "refused:" + raw if outside else target
                limited = limited or key not in col.keys
                continue
            if outside:
                before = len(col.items)
                col.add_refused(raw, "linked", LINK_OUTSIDE)
                count += len(col.items) - before
                from_doc += len(col.items) - before
                continue
            assert target is not None
            before = len(col.items)
            canon = col.add_file(
                target, "linked", missing="linked but not found", outside_reason=LINK_OUTSIDE
            )
            count += len(col.items) - before
            from_doc += len(col.items) - before
            if canon and canon.lower().endswith(_MARKDOWN):
                queue.append((canon, depth + 1))
    if limited:
        col.items.append(
            Artifact(
                path="note:link-limit",
                group="linked",
                label="link limit reached",
                state="refused",
                reason=(
                    f"link limit reached: at most {LINK_COUNT} linked files "
                    f"({LINK_PER_DOC} per document), {LINK_DEPTH} levels deep, are listed"
                ),
            )
        )


def prior_artifacts(root: Path, epic: Epic, role_key: str, pack: Path | None) -> list[Artifact]:
    """Everything a role reads before planning, each file once, grouped in `GROUP_ORDER`.

    The pack's rule files (with `04-rules.md` and the pipeline's `.cursor/rules/epics/*.mdc`
    when present), the epic task (`task:<id>`), the files its artifacts list names, the
    folder's planning documents, packages (its own and the epics' shared `packages/`), stories
    and diagrams, files those documents link to
    (never outside the project, never URLs, with a depth and count cap), and the plans of roles
    numbered lower than role_key. Nothing is written.
    """
    with remembering_folders():  # a hundred paths in a handful of folders: each folder resolved once
        return _prior_artifacts(Path(root), epic, role_key, pack)


def _prior_artifacts(root: Path, epic: Epic, role_key: str, pack: Path | None) -> list[Artifact]:
    col = _Collector(root, epic)
    if pack is not None:
        _add_rules(col, Path(pack))
    _add_pipeline_rules(col)
    task = epic.task
    if task is not None:
        col.items.append(
            Artifact(
                path=f"task:{task.id}",
                group="task",
                label=f"EPIC: {task.title}",
                state="present",
                size=len(render_task(task).encode("utf-8")),
            )
        )
        for listed in task.artifacts:
            _add_listed(col, epic, listed)
    else:
        col.items.append(
            Artifact(
                path=f"task:{epic.id if epic.id is not None else epic.folder}",
                group="task",
                label="EPIC task",
                state="missing",
                reason="no EPIC task for this epic in .taskmaster/tasks/tasks.json or epics.json",
            )
        )
    _add_folder(col, epic.path, "planning", _NUMBERED)
    for sub, group in _SUBFOLDERS.items():
        _add_folder(col, f"{epic.path}/{sub}", group)
    for shared in SHARED_FOLDERS:  # beside the epics, shared by all of them (package notes)
        _add_folder(col, f"{epic.path.rsplit('/', 1)[0]}/{shared}", "packages")
    _add_folder(col, f"{epic.path}/roles", "roles", _ROLE, role_key)
    docs = [
        a.path for a in col.items
        if a.state == "present" and a.group not in _NO_LINKS and not a.path.startswith("note:")
    ]
    _follow_links(col, docs)
    # The task list or a link may name the current or a later role's plan: those are not prior.
    items = [
        a for a in col.items if a.group != "roles" or not _not_prior(a.path.rsplit("/", 1)[-1], role_key)
    ]
    rank = {group: i for i, group in enumerate(GROUP_ORDER)}
    # Folder groups read best in file order; rules, task and links keep the order they were found.
    return sorted(items, key=lambda a: (rank[a.group], a.path if a.group in _SORTED else ""))


def _not_prior(name: str, role_key: str) -> bool:
    """True when roles/<name> is the current role's own plan or a later role's."""
    if name.removesuffix(".md") == role_key:
        return True
    number, current = _ROLE.match(name), re.match(r"^(\d\d)-", role_key)
    return bool(number and current and int(number.group(1)) >= int(current.group(1)))


def _add_listed(col: _Collector, epic: Epic, listed: str) -> None:
    """Add one entry of the task's artifacts list (root-relative, or relative to the folder)."""
    raw = listed.strip()
    if not raw or raw.endswith(("/", "\\")):
        return
    if is_url(raw):
        return
    rel = raw.replace("\\", "/").removeprefix("./")
    real, _ = resolve_inside(col.root, rel)
    if real is not None and not real.exists():
        inner, _ = resolve_inside(col.root, f"{epic.path}/{rel}")
        if inner is not None and inner.exists():
            rel = f"{epic.path}/{rel}"
    col.add_file(
        rel, "linked", missing="listed in the epic task but not found", outside_reason=LINK_OUTSIDE
    )


def read_artifact(
    root: Path, artifact: Artifact, tasks: list[EpicTask] | None = None
) -> ReadResult:
    """Read one artifact safely; `task:<id>` renders that epic task (from tasks, else the files)."""
    path = artifact.path
    if path.startswith("task:"):
        ref = path[len("task:") :]
        if tasks is None:
            tasks = load_epic_tasks(Path(root))
        task = next((t for t in tasks if str(t.id) == ref), None)
        if task is None:
            return ReadResult(path=path, state="missing", reason=TASK_GONE)
        text = render_task(task)
        return ReadResult(path=path, state="present", text=text, size=len(text.encode("utf-8")))
    if path.startswith("note:") or (artifact.state == "refused" and artifact.reason == LINK_OUTSIDE):
        return ReadResult(path=path, state="refused", reason=artifact.reason)
    if artifact.group == "rules" and os.path.isabs(path):
        return read_text_safely(Path(path).parent, Path(path).name)
    return read_text_safely(Path(root), path)
