"""Tests for finding the project root, the prompt pack and role prompts on real folders."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from planner_tui.core.errors import ProjectError
from planner_tui.core.pack.workspace import (
    find_project_root,
    find_prompt_pack,
    list_role_prompts,
    resolve_role,
    role_key_of_prompt,
)

BACKEND_PROMPT = """# Backend Planning

## Preparation
1. **Read [01-forbidden.md](../01-forbidden.md)** and enforce all constraints.

## Steps
2. **Write the plan**
   - Save it as
     `.task-master/epics/<epic folder>/roles/03-backend.md`

## Output
Path: .task-master/epics/<epic folder>/roles/03-backend.md
"""

FRONTEND_PROMPT = BACKEND_PROMPT.replace("Backend", "Frontend").replace("03-backend", "04-frontend")

LEAD_PROMPT = """# Lead Review

Read roles/01-devops.md, roles/02-architect.md, roles/03-backend.md and roles/04-frontend.md.

Path: .task-master/epics/<epic folder>/roles/06-lead.md
"""


def write_pack(folder: Path, roles: dict[str, str] | None = None) -> Path:
    """A prompt pack: the three rule files plus role prompts under 20-roles/."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "01-forbidden.md").write_text("# Forbidden\n\n- ❌ No raw SQL\n", encoding="utf-8")
    (folder / "02-mcp.md").write_text("# MCP\n\n- context7\n", encoding="utf-8")
    (folder / "03-pipeline.md").write_text("## Pipeline\n\n20-roles/\n   23-backend.md\n", encoding="utf-8")
    for name, text in (roles or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def git_init(path: Path, *extra: str) -> None:
    subprocess.run(["git", "init", "-q", *extra, str(path)], check=True)


# --------------------------------------------------------------------------- project root


def test_root_is_the_git_work_tree(tmp_path: Path) -> None:
    git_init(tmp_path / "proj")
    deep = tmp_path / "proj" / ".task-master" / "epics"
    deep.mkdir(parents=True)
    assert find_project_root(deep) == ((tmp_path / "proj").resolve(), True)
    afile = deep / "x.md"
    afile.write_text("x", encoding="utf-8")
    assert find_project_root(afile) == ((tmp_path / "proj").resolve(), True)


def test_no_git_means_start_itself(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    assert find_project_root(folder) == (folder.resolve(), False)


def test_bare_repository_is_refused(tmp_path: Path) -> None:
    git_init(tmp_path / "bare.git", "--bare")
    with pytest.raises(ProjectError, match="bare"):
        find_project_root(tmp_path / "bare.git")


def test_missing_start_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="does not exist"):
        find_project_root(tmp_path / "nope")


# --------------------------------------------------------------------------- prompt pack


def test_pack_in_cursor_commands(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / ".cursor" / "commands")
    assert find_prompt_pack(tmp_path) == pack


def test_pack_places_are_searched_in_order(tmp_path: Path) -> None:
    write_pack(tmp_path / ".claude" / "commands")
    support = write_pack(tmp_path / ".cursor" / "support")
    write_pack(tmp_path / "docs" / "prompts")
    assert find_prompt_pack(tmp_path) == support


def test_incomplete_folder_is_not_a_pack(tmp_path: Path) -> None:
    partial = tmp_path / ".cursor" / "commands"
    partial.mkdir(parents=True)
    (partial / "01-forbidden.md").write_text("x", encoding="utf-8")
    claude = write_pack(tmp_path / ".claude" / "commands")
    assert find_prompt_pack(tmp_path) == claude


def test_pack_found_two_levels_below_root_but_not_three(tmp_path: Path) -> None:
    assert find_prompt_pack(tmp_path) is None
    write_pack(tmp_path / "a" / "b" / "c")
    assert find_prompt_pack(tmp_path) is None
    two = write_pack(tmp_path / "docs" / "pipeline")
    assert find_prompt_pack(tmp_path) == two


def test_pack_search_skips_vendor_folders(tmp_path: Path) -> None:
    write_pack(tmp_path / "node_modules" / "pack")
    write_pack(tmp_path / "vendor" / "pack")
    write_pack(tmp_path / ".git" / "pack")
    assert find_prompt_pack(tmp_path) is None


def test_pack_override(tmp_path: Path) -> None:
    elsewhere = write_pack(tmp_path / "shared" / "prompts")
    write_pack(tmp_path / "proj" / ".cursor" / "commands")
    assert find_prompt_pack(tmp_path / "proj", elsewhere) == elsewhere
    # relative overrides are taken from the root
    assert find_prompt_pack(tmp_path / "proj", Path(".cursor/commands")) == tmp_path / "proj" / ".cursor/commands"
    (elsewhere / "02-mcp.md").unlink()
    with pytest.raises(ProjectError, match="02-mcp.md"):
        find_prompt_pack(tmp_path / "proj", elsewhere)
    with pytest.raises(ProjectError, match="does not exist"):
        find_prompt_pack(tmp_path / "proj", tmp_path / "nowhere")


# --------------------------------------------------------------------------- role prompts


def test_role_prompts_are_keyed_by_their_output(tmp_path: Path) -> None:
    pack = write_pack(
        tmp_path / "pack",
        {
            "00-start.md": "# Start a New Epic\n\nCreate the epic folder.\n",
            "20-roles/23-backend.md": BACKEND_PROMPT,
            "20-roles/24-frontend.md": FRONTEND_PROMPT,
            "20-roles/26-lead.md": LEAD_PROMPT,
        },
    )
    roles = list_role_prompts(pack)
    assert roles == {
        "03-backend": pack / "20-roles" / "23-backend.md",
        "04-frontend": pack / "20-roles" / "24-frontend.md",
        "06-lead": pack / "20-roles" / "26-lead.md",
    }


def test_role_key_prefers_the_prompts_own_name_without_a_path_line() -> None:
    text = "Read roles/02-architect.md first; then write roles/03-backend.md and check roles/02-architect.md."
    assert role_key_of_prompt(Path("23-backend.md"), text) == "03-backend"
    assert role_key_of_prompt(Path("x.md"), "no output here") is None


def test_resolve_role_by_name_key_file_stem_number_and_path(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", {"20-roles/23-backend.md": BACKEND_PROMPT, "20-roles/24-frontend.md": FRONTEND_PROMPT})
    backend = pack / "20-roles" / "23-backend.md"
    for ref in ("backend", "Backend", "03-backend", "23-backend", "3", "03"):
        assert resolve_role(pack, ref, tmp_path) == ("03-backend", backend), ref
    assert resolve_role(pack, str(pack / "20-roles" / "24-frontend.md"), tmp_path) == (
        "04-frontend",
        pack / "20-roles" / "24-frontend.md",
    )
    assert resolve_role(pack, "pack/20-roles/24-frontend.md", tmp_path)[0] == "04-frontend"


def test_builtin_backend_when_the_pack_has_no_prompt(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack")
    assert resolve_role(pack, "backend", tmp_path) == ("03-backend", None)
    assert resolve_role(None, "03-backend", tmp_path) == ("03-backend", None)


def test_unknown_role_lists_the_choices(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", {"20-roles/24-frontend.md": FRONTEND_PROMPT})
    with pytest.raises(ProjectError) as caught:
        resolve_role(pack, "qa", tmp_path)
    message = str(caught.value)
    assert "qa" in message and "03-backend" in message and "04-frontend" in message
    assert message.count(".") >= 1 and "\n" not in message


def test_prompt_path_without_output_is_an_error(tmp_path: Path) -> None:
    stray = tmp_path / "notes.md"
    stray.write_text("# Notes\n\nNothing to write.\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="roles/NN-name.md"):
        resolve_role(None, str(stray), tmp_path)
