"""Find the project root, its prompt pack and the role prompts inside it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pygit2

from planner_tui.core.errors import ProjectError, UnknownName
from planner_tui.core.text.reading import read_text_safely

__all__ = [
    "RULE_FILES",
    "PACK_PLACES",
    "BUILTIN_ROLE_KEYS",
    "find_project_root",
    "find_prompt_pack",
    "prompt_folders",
    "searched_places",
    "list_role_prompts",
    "role_key_of_prompt",
    "resolve_role",
]

RULE_FILES: tuple[str, ...] = ("01-forbidden.md", "02-mcp.md", "03-pipeline.md")
"""The files that make a folder a prompt pack."""
PACK_PLACES: tuple[str, ...] = (".cursor/commands", ".cursor/support", ".claude/commands", ".claude/support")
"""Where packs usually live, searched before anything else."""
COMMAND_PLACES: tuple[str, ...] = (".cursor/commands", ".claude/commands")
"""Where the pipeline keeps its commands (role prompts under `20-roles/`), wherever the support files are."""
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
        if "object format" in str(exc) and git_dir.name == ".git":
            # SHA-256 objects, which libgit2 cannot read: plan here all the same; the commit says why.
            return _marked_root(start, top.resolve()), True
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


def prompt_folders(root: Path, pack: Path | None) -> list[Path]:
    """Where role prompts are looked for: the pack, a `commands/` folder beside a `support/` pack,
    then `.cursor/commands` and `.claude/commands` (the support files may live elsewhere)."""
    root = Path(root)
    found: list[Path] = []
    candidates = [] if pack is None else [Path(pack)]
    if pack is not None and Path(pack).name == "support":
        candidates.append(Path(pack).parent / "commands")
    candidates += [root / place for place in COMMAND_PLACES]
    for folder in candidates:
        if folder.is_dir() and folder.resolve() not in {f.resolve() for f in found}:
            found.append(folder)
    return found


def searched_places(root: Path, pack: Path | None) -> list[str]:
    """The folders role prompts were looked for in, project-relative, for messages."""
    places = prompt_folders(root, pack) or [Path(root) / place for place in COMMAND_PLACES]
    out = []
    for folder in places:
        try:
            out.append(folder.relative_to(root).as_posix())
        except ValueError:
            out.append(str(folder))
    return out


def _bare(stem: str) -> str:
    """A prompt's or key's name without its number: `25-test` -> `test`."""
    return re.sub(r"^\d+[-_ ]*", "", stem.lower())


def _names_meet(a: str, b: str) -> bool:
    """`test` and `testing`, `architect` and `architecture`: one name is the start of the other."""
    if not a or not b:
        return False
    short, long_ = sorted((a, b), key=len)
    return a == b or (len(short) >= 4 and long_.startswith(short))


def list_role_prompts(pack: Path | list[Path]) -> dict[str, Path]:
    """Map each role key (`03-backend`) to the prompt file that writes that plan.

    `pack` is one folder or the folders of `prompt_folders`, searched in order. When several
    files name the same plan, the one whose name matches it (`25-test.md` for `05-testing`) wins.
    """
    folders = [Path(pack)] if isinstance(pack, (str, Path)) else [Path(f) for f in pack]
    seen: set[Path] = set()
    candidates: dict[str, list[Path]] = {}
    for folder in folders:
        files: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            files.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".md"))
        for path in files:
            real = path.resolve()
            if path.name in RULE_FILES or path.name == "04-rules.md" or real in seen:
                continue
            seen.add(real)
            result = read_text_safely(folder, path.relative_to(folder).as_posix(), max_bytes=_PROMPT_MAX)
            if result.state != "present":
                continue
            key = role_key_of_prompt(path, result.text)
            if key:
                candidates.setdefault(key, []).append(path)
    roles: dict[str, Path] = {}
    for key, paths in candidates.items():
        named = [p for p in paths if _names_meet(_bare(p.stem), _bare(key))]
        roles[key] = (named or paths)[0]
    return dict(sorted(roles.items()))


def _prompt_file(ref: str, root: Path, pack: Path | None) -> Path | None:
    """The prompt file a path-like ref names, looked up as given, then in the root and pack."""
    if "/" not in ref and "\\" not in ref and not ref.endswith(".md"):
        return None
    candidates = [Path(ref).expanduser(), root / ref]
    if pack is not None:
        candidates.append(pack / ref)
    return next((c for c in candidates if c.is_file()), None)


def _matches(low: str, key: str, prompt: Path | None) -> bool:
    """Does a role name typed by a person (`test`, `25`, `25-test`, `testing`) name this role?"""
    stems = {key, _bare(key)}
    if prompt is not None:
        stems |= {prompt.stem.lower(), _bare(prompt.stem)}
    if low in stems:
        return True
    if low.isascii() and low.isdigit():
        numbers = {key.split("-", 1)[0]} | ({prompt.stem.split("-", 1)[0]} if prompt is not None else set())
        return any(n.isascii() and n.isdigit() and int(n) == int(low) for n in numbers)
    return _names_meet(_bare(low), _bare(key)) or (prompt is not None and _names_meet(_bare(low), _bare(prompt.stem)))


def resolve_role(pack: Path | None, ref: str, root: Path, folders: list[Path] | None = None) -> tuple[str, Path | None]:
    """Return (role key, prompt path) for `testing`, `test`, `05-testing`, `25-test`, `25`,
    `25-test.md` or a prompt path.

    Role prompts are looked for in `folders` (default: `prompt_folders(root, pack)`). The prompt
    path is None when there is no prompt for a built-in role (the caller then uses the built-in).
    Anything else unknown is an UnknownName listing the roles there are.
    """
    ref = ref.strip()
    if folders is None:
        folders = prompt_folders(root, pack)
    prompts = list_role_prompts(folders) if folders else {}
    file = _prompt_file(ref, Path(root), pack)
    if file is None and ref.endswith(".md") and "/" not in ref:
        file = next((p for p in prompts.values() if p.name.lower() == ref.lower()), None)
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
    exact = [k for k in available if low in (k, _bare(k)) or (k in prompts and low in (prompts[k].stem.lower(), _bare(prompts[k].stem)))]
    matches = exact or [k for k in available if _matches(low, k, prompts.get(k))]
    if len(matches) == 1:
        key = matches[0]
        return key, prompts.get(key)
    choices = ", ".join(_choice(k, prompts.get(k)) for k in available) or "none"
    if matches:
        raise UnknownName(f"The role '{ref}' is ambiguous; choose one of: {', '.join(matches)}.")
    where = ", ".join(searched_places(root, pack))
    raise UnknownName(f"There is no role '{ref}' (role prompts looked for in {where}); the roles are: {choices}.")


def _choice(key: str, prompt: Path | None) -> str:
    """How a role is offered in an error: `05-testing (25-test.md)`, or `03-backend (built-in)`."""
    return f"{key} ({prompt.name if prompt is not None else 'built-in'})"
