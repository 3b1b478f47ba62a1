"""The middle pane: the topic bar, the thread of entries and the composer."""
