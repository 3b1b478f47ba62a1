"""The right pane: the live plan preview and what blocks the commit."""
