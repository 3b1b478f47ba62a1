"""The prior artifacts of the epic as a tree, grouped the way a person thinks of them."""

from __future__ import annotations

from pathlib import PurePosixPath

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from planner_tui.core.models import Artifact
from planner_tui.core.text.display import one_line

__all__ = ["ArtifactTree", "GROUPS", "artifact_label"]

# (title, the Artifact.group values it gathers); planning documents hold their sub-folders.
GROUPS: list[tuple[str, tuple[str, ...]]] = [
    ("Rules", ("rules",)),
    ("Epic task", ("task",)),
    ("Planning documents", ("planning", "stories", "diagrams", "packages")),
    ("Earlier roles' plans", ("roles",)),
    ("Linked files", ("linked",)),
]
_SUBGROUP = {"stories": "stories", "diagrams": "diagrams", "packages": "packages"}


def _size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def artifact_label(artifact: Artifact) -> Text:
    """One tree line: the label, then its size, or why it is missing or refused."""
    name = artifact.label or PurePosixPath(artifact.path).name
    if artifact.state == "present":
        label = Text(one_line(name, 60))
        if artifact.size is not None:
            label.append(f"  {_size(artifact.size)}", style="dim")
        return label
    mark = "✗ " if artifact.state == "missing" else "⊘ "
    label = Text(mark + one_line(name, 50), style="red" if artifact.state == "missing" else "yellow")
    label.append(f"  {one_line(artifact.reason or artifact.state, 80)}", style="dim italic")
    return label


class ArtifactTree(Tree[Artifact]):
    """The artifacts tree; selecting a file posts Tree.NodeHighlighted with its Artifact as data."""

    ALLOW_MAXIMIZE = False  # the whole artifact pane maximizes, not the tree alone

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("Prior artifacts"), id=id)
        self.show_root = False
        self.guide_depth = 3
        self.auto_expand = True
        self.artifacts: list[Artifact] = []
        self._leaves: dict[str, TreeNode[Artifact]] = {}

    def show_artifacts(self, artifacts: list[Artifact]) -> None:
        """Show the artifact list, keeping the cursor on the same path.

        Every file change in the epic lists the artifacts again, mostly finding the same files:
        the same list changes nothing, and the same files with new sizes relabel their lines in
        place. Only a file that came, went or changed state rebuilds the tree (a layout of the
        whole screen, and a cursor that has to be found again).
        """
        artifacts = list(artifacts)
        if artifacts == self.artifacts:
            return
        if self._relabel(artifacts):
            self.artifacts = artifacts
            return
        self._rebuild(artifacts)

    def _relabel(self, artifacts: list[Artifact]) -> bool:
        """Update the lines in place when only what a line says changed; False when the tree's shape differs."""
        shape = [(a.path, a.group, a.state) for a in artifacts]
        if shape != [(a.path, a.group, a.state) for a in self.artifacts] or len(self._leaves) != len(artifacts):
            return False
        for artifact in artifacts:
            leaf = self._leaves[artifact.path]
            leaf.data = artifact
            leaf.set_label(artifact_label(artifact))
        return True

    def _rebuild(self, artifacts: list[Artifact]) -> None:
        current = self.cursor_node.data.path if self.cursor_node and self.cursor_node.data else None
        self.artifacts = artifacts
        self._leaves = {}
        self.clear()
        target: TreeNode[Artifact] | None = None
        for title, groups in GROUPS:
            members = [a for a in artifacts if a.group in groups]
            if not members:
                continue
            problems = sum(1 for a in members if a.state != "present")
            head = Text(title, style="bold")
            head.append(f"  {len(members)}", style="dim")
            if problems:
                head.append(f"  {problems} unreadable", style="red")
            node = self.root.add(head, expand=True)
            subs: dict[str, TreeNode[Artifact]] = {}
            for artifact in members:
                parent = node
                sub = _SUBGROUP.get(artifact.group)
                if sub is not None:
                    if sub not in subs:
                        subs[sub] = node.add(Text(sub.capitalize(), style="bold"), expand=True)
                    parent = subs[sub]
                leaf = parent.add_leaf(artifact_label(artifact), data=artifact)
                self._leaves[artifact.path] = leaf
                if artifact.path == current:
                    target = leaf
        if target is not None:
            # A new node knows its line once the tree has laid its lines out, after the refresh.
            self.call_after_refresh(self.move_cursor, target)

    def select_path(self, path: str) -> bool:
        """Move the cursor to the artifact with this path; False when it is not listed."""
        leaf = self._leaves.get(path)
        if leaf is None:
            return False
        self.move_cursor(leaf)
        return True

    def first_readable(self) -> Artifact | None:
        """The first present artifact in tree order (the epic task, usually)."""
        order = [g for _, groups in GROUPS for g in groups]
        ranked = sorted(self.artifacts, key=lambda a: order.index(a.group) if a.group in order else 99)
        prefer = [a for a in ranked if a.state == "present" and a.group == "task"]
        present = prefer or [a for a in ranked if a.state == "present"]
        return present[0] if present else None
