"""The artifact tree: listing the same files again keeps the tree; new sizes relabel lines in place."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from planner_tui.core.models import Artifact
from planner_tui.widgets.artifacts.tree import ArtifactTree

EPIC = ".task-master/epics/009_photo-annotations"


def _listing(prd_size: int = 2_000, *, extra: bool = False) -> list[Artifact]:
    found = [
        Artifact(path=".cursor/support/01-forbidden.md", group="rules", label="Forbidden", state="present", size=900),
        Artifact(path=f"{EPIC}/04-prd.md", group="planning", label="PRD", state="present", size=prd_size),
        Artifact(path=f"{EPIC}/stories/01-upload.md", group="stories", label="Upload", state="present", size=300),
    ]
    if extra:
        found.append(Artifact(path=f"{EPIC}/diagrams/flow.md", group="diagrams", label="Flow", state="present", size=120))
    return found


class TreeApp(App):
    def compose(self) -> ComposeResult:
        yield ArtifactTree(id="tree")


def _leaves(tree: ArtifactTree) -> list:
    """Every node of the tree, walked from the root (Textual's public TreeNode API)."""
    found, stack = [], list(tree.root.children)
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.children)
    return found


def _leaf(tree: ArtifactTree, path: str):
    return next(node for node in _leaves(tree) if node.data is not None and node.data.path == path)


def test_listing_the_same_files_again_keeps_the_tree_and_new_sizes_relabel_in_place():
    async def scenario():
        app = TreeApp()
        async with app.run_test(size=(60, 20)) as pilot:
            tree = app.query_one(ArtifactTree)
            tree.show_artifacts(_listing())
            await pilot.pause()
            prd = _leaf(tree, f"{EPIC}/04-prd.md")
            tree.move_cursor(prd)
            groups = list(tree.root.children)

            tree.show_artifacts(_listing())  # an unrelated file changed: the same list
            await pilot.pause()
            assert list(tree.root.children) == groups and _leaf(tree, f"{EPIC}/04-prd.md") is prd

            tree.show_artifacts(_listing(prd_size=2_100_000))  # the PRD grew: its line says so
            await pilot.pause()
            assert _leaf(tree, f"{EPIC}/04-prd.md") is prd and list(tree.root.children) == groups
            assert "2.0 MB" in prd.label.plain and prd.data.size == 2_100_000
            assert tree.cursor_node is prd

            tree.show_artifacts(_listing(prd_size=2_100_000, extra=True))  # a new diagram: rebuilt
            await pilot.pause()
            assert list(tree.root.children) != groups
            assert any(n.data is not None and n.data.path.endswith("flow.md") for n in _leaves(tree))
            assert tree.cursor_node.data.path == f"{EPIC}/04-prd.md"  # the cursor stays on the file

    asyncio.run(scenario())
