"""Find the project root, its prompt pack and the role prompts inside it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pygit2

from planner_tui.core.errors import ProjectError
from planner_tui.core.text.reading import read_text_safely

__all__ = [
    "RULE_FILES",
    "PACK_PLACES",
    "BUILTIN_ROLE_KEYS",
    "find_project_root",
    "find_prompt_pack",
    "list_role_prompts",
    "role_key_of_prompt",
    "resolve_role",
]

RULE_FILES: tuple[str, ...] = ("01-forbidden.md", "02-mcp.md", "03-pipeline.md")
"""The files that make a folder a prompt pack."""
PACK_PLACES: tuple[str, ...] = (".cursor/commands", ".cursor/support", ".claude/commands")
"""Where packs usually live, searched before anything else."""
BUILTIN_ROLE_KEYS: tuple[str, ...] = ("03-backend",)
"""Roles the engine can run without a prompt file in the pack."""

_SKIP_DIRS = frozenset({".git", "node_modules", "vendor"})
_EPIC_MARKERS = (".task-master", ".taskmaster")
_ROLE_OUT = re.compile(r"roles/(\d\d-[a-z0-9-]+)\.md")
_PROMPT_MAX = 1_000_000


def find_project_root(start: Path) -> tuple[Path, bool]:
    """Return (root, is_git): the git work tree holding start, else (start, False).

    Inside a work tree the root is the nearest folder up from start holding `.task-master` or
    `.taskmaster` (a project in a subfolder of a repository), else the work tree's top. A bare
    repository has no work tree to plan in, so it is a ProjectError, except a `.git` folder with
    `core.bare` set: its folder is planned in and the commit is refused. A repository libgit2
    refuses to open (another owner) is a ProjectError naming `safe.directory`.
    """
    start = Path(start).expanduser()
    if not start.exists():
        raise ProjectError(f"The folder {start} does not exist.")
    if not start.is_dir():
        start = start.parent
    start = start.resolve()
    try:
        found = pygit2.discover_repository(str(start))
    except pygit2.GitError:
        found = None
    if not found:
        return start, False
    git_dir = Path(found.rstrip("/\\"))
    try:
        repo = pygit2.Repository(found)
    except pygit2.GitError as exc:
        top = git_dir.parent if git_dir.name == ".git" else git_dir
        raise ProjectError(
            f"The git repository at {found} cannot be opened: {exc} "
            f"(if you trust it: git config --global --add safe.directory {top})."
        ) from None
    if repo.is_bare or not repo.workdir:
        if git_dir.name != ".git":
            raise ProjectError(f"{found} is a bare git repository; run planner-tui inside a work tree.")
        # `.git` with core.bare set: the folder can still be planned in; the commit refuses.
        return _marked_root(start, git_dir.parent.resolve()), True
    return _marked_root(start, Path(repo.workdir).resolve()), True


def _marked_root(start: Path, top: Path) -> Path:
    """The nearest folder from start up to top that holds epics, else top.

    A project may live in a subfolder of a bigger repository (`apps/planning/.task-master`);
    its root is that subfolder, while git paths stay relative to the work tree.
    """
    if not start.is_relative_to(top):
        return top
    for folder in (start, *start.parents):
        if any((folder / marker).is_dir() for marker in _EPIC_MARKERS):
            return folder
        if folder == top:
            break
    return top


def _is_pack(folder: Path) -> bool:
    return all((folder / name).is_file() for name in RULE_FILES)


def _subdirs(folder: Path) -> list[Path]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    # Do not descend into symlinked folders: they can loop or lead out of the project.
    return [
        Path(e.path)
        for e in entries
        if e.name not in _SKIP_DIRS and e.is_dir(follow_symlinks=False)
    ]


def find_prompt_pack(root: Path, override: Path | None = None) -> Path | None:
    """Return the folder holding `01-forbidden.md`, `02-mcp.md` and `03-pipeline.md`, or None.

    An override (relative to the root when not absolute) must hold those files. Otherwise look
    in `.cursor/commands`, `.cursor/support`, `.claude/commands`, then the root and up to two
    levels below it, skipping `.git`, `node_modules` and `vendor`.
    """
    root = Path(root)
    if override is not None:
        pack = Path(override).expanduser()
        if not pack.is_absolute() and (root / pack).exists():
            pack = root / pack  # a relative override is taken from the root first, then cwd
        if not pack.is_dir():
            raise ProjectError(f"The prompt pack folder {pack} does not exist.")
        missing = [name for name in RULE_FILES if not (pack / name).is_file()]
        if missing:
            raise ProjectError(f"The prompt pack folder {pack} lacks {', '.join(missing)}.")
        return pack
    for place in PACK_PLACES:
        if _is_pack(root / place):
            return root / place
    level = [root]
    for _depth in range(3):  # the root itself, then one and two levels below it
        for folder in level:
            if _is_pack(folder):
                return folder
        level = [sub for folder in level for sub in _subdirs(folder)]
    return None


def role_key_of_prompt(prompt: Path, text: str) -> str | None:
    """The `NN-name` of the `roles/NN-name.md` a prompt writes, or None when it names none.

    A prompt may mention other roles' plans (a lead reads them all), so prefer the one on a
    `Path:` line, then the one sharing the prompt file's name (`23-backend` -> `03-backend`),
    then the one named most often.
    """
    keys = _ROLE_OUT.findall(text)
    if not keys:
        return None
    distinct = list(dict.fromkeys(keys))
    if len(distinct) == 1:
        return distinct[0]
    for line in text.splitlines():
        if line.strip().lower().startswith("path:"):
            found = _ROLE_OUT.search(line)
            if found:
                return found.group(1)
    name = re.sub(r"^\d+-", "", prompt.stem.lower())
    for key in distinct:
        if key.split("-", 1)[1] == name:
            return key
    return max(distinct, key=keys.count)


def list_role_prompts(pack: Path) -> dict[str, Path]:
    """Map each role key (`03-backend`) to the prompt file under pack that writes that plan."""
    pack = Path(pack)
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(pack):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        files.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".md"))
    roles: dict[str, Path] = {}
    for path in files:
        if path.name in RULE_FILES:
            continue
        result = read_text_safely(pack, path.relative_to(pack).as_posix(), max_bytes=_PROMPT_MAX)
        if result.state != "present":
            continue
        key = role_key_of_prompt(path, result.text)
        if key and key not in roles:
            roles[key] = path
    return dict(sorted(roles.items()))


def _prompt_file(ref: str, root: Path, pack: Path | None) -> Path | None:
    """The prompt file a path-like ref names, looked up as given, then in the root and pack."""
    if "/" not in ref and "\\" not in ref and not ref.endswith(".md"):
        return None
    candidates = [Path(ref).expanduser(), root / ref]
    if pack is not None:
        candidates.append(pack / ref)
    return next((c for c in candidates if c.is_file()), None)


def resolve_role(pack: Path | None, ref: str, root: Path) -> tuple[str, Path | None]:
    """Return (role key, prompt path) for `backend`, `03-backend`, `23-backend` or a prompt path.

    The prompt path is None when the pack has no prompt for a built-in role (the caller then
    uses the built-in). Anything else unknown is a ProjectError listing the available roles.
    """
    ref = ref.strip()
    prompts = list_role_prompts(pack) if pack is not None else {}
    file = _prompt_file(ref, Path(root), pack)
    if file is not None:
        result = read_text_safely(file.parent, file.name, max_bytes=_PROMPT_MAX)
        if result.state != "present":
            raise ProjectError(f"The role prompt {file} cannot be read: {result.reason}.")
        key = role_key_of_prompt(file, result.text)
        if key is None:
            raise ProjectError(f"The role prompt {file} does not name its output roles/NN-name.md.")
        return key, file
    low = ref.lower().removesuffix(".md")
    available = sorted(set(prompts) | set(BUILTIN_ROLE_KEYS))
    matches = [k for k in available if low == k or low == k.split("-", 1)[1]]
    if not matches and low.isdigit():
        matches = [k for k in available if int(k[:2]) == int(low)]
    if not matches:
        matches = [k for k, p in prompts.items() if p.stem.lower() == low]
    if len(matches) == 1:
        key = matches[0]
        return key, prompts.get(key)
    choices = ", ".join(available) or "none"
    if matches:
        raise ProjectError(f"The role '{ref}' is ambiguous; choose one of: {', '.join(matches)}.")
    raise ProjectError(f"There is no role '{ref}'; available roles: {choices}.")
