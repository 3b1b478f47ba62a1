"""The left pane: the artifact tree above the selected artifact's text."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Tree

from planner_tui.core.models import Artifact
from planner_tui.widgets.artifacts.tree import ArtifactTree
from planner_tui.widgets.artifacts.document import DocumentView, Reader

__all__ = ["ArtifactPane", "HIGHLIGHT_DELAY", "FIRST_READ_LIMIT"]

HIGHLIGHT_DELAY = 0.15
"""Seconds the tree cursor must rest on an artifact before it is read and shown."""
FIRST_READ_LIMIT = 64 * 1024
"""Bytes up to which the first artifact is read before the first frame (a few milliseconds)."""


class ArtifactPane(Vertical):
    """Lists the prior artifacts and shows the highlighted one; `reader` reads an artifact."""

    ALLOW_MAXIMIZE = True

    def __init__(self, reader: Reader, *, markdown_limit: int = 64 * 1024, id: str | None = None) -> None:
        super().__init__(id=id)
        self.reader = reader
        self.markdown_limit = markdown_limit
        """Markdown artifacts up to this many bytes are shown styled (the document view's limit)."""
        self.border_title = "Prior artifacts"
        self._pending: Timer | None = None

    def compose(self) -> ComposeResult:
        yield ArtifactTree(id="artifact-tree")
        yield DocumentView(markdown_limit=self.markdown_limit, id="document")

    @property
    def tree(self) -> ArtifactTree:
        return self.query_one(ArtifactTree)

    @property
    def document(self) -> DocumentView:
        return self.query_one(DocumentView)

    def show_artifacts(self, artifacts: list[Artifact], *, read_first_now: bool = False) -> None:
        """Fill the tree; open the first readable artifact when nothing is shown yet.

        `read_first_now` (the workbench's first view, before its first frame) reads that artifact
        here when it is small, so the first frame shows it instead of an empty viewer.
        """
        self.tree.show_artifacts(artifacts)
        missing = sum(1 for a in artifacts if a.state != "present")
        self.border_subtitle = f"{len(artifacts)} files" + (f", {missing} unreadable" if missing else "")
        if self.document.artifact is None:
            first = self.tree.first_readable()
            if first is not None:
                small = first.size is not None and first.size <= FIRST_READ_LIMIT
                self.open(first, read_now=read_first_now and small)

    def open(self, artifact: Artifact, *, read_now: bool = False) -> None:
        """Show this artifact in the document view (and put the tree cursor on it).

        `read_now` reads it here instead of in a worker (a small file, before the first frame).
        """
        if read_now:
            self.document.show_loaded(artifact, self.reader(artifact))
        elif self.document.artifact is None or self.document.artifact.path != artifact.path:
            self.document.load(artifact, self.reader)
        self.call_after_refresh(self.tree.select_path, artifact.path)

    def reload(self, path: str) -> bool:
        """Re-read the shown artifact if it is at path."""
        return self.document.reload_if_showing(path, self.reader)

    def on_tree_node_selected(self, event: Tree.NodeSelected[Artifact]) -> None:
        # enter on a file: show it now and move into it (to read, find or cite a line with c).
        artifact = event.node.data
        if artifact is None:
            return
        event.stop()
        if self._pending is not None:
            self._pending.stop()
        if self.document.artifact is None or self.document.artifact.path != artifact.path:
            self.document.load(artifact, self.reader)
        self.call_after_refresh(self.document.focus_view)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Artifact]) -> None:
        event.stop()
        artifact = event.node.data
        if artifact is None or (self.document.artifact is not None and self.document.artifact.path == artifact.path):
            return
        # Wait until the cursor rests: holding the down arrow must not render every file passed.
        if self._pending is not None:
            self._pending.stop()
        self._pending = self.set_timer(HIGHLIGHT_DELAY, lambda: self.document.load(artifact, self.reader))
