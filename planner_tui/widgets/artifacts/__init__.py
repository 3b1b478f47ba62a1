"""The left pane: the artifact tree and the document viewers (markdown, big text, find bar)."""
