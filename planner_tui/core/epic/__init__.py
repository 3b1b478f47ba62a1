"""The epic: epic tasks and folders, the prior artifacts a role reads, citations of them, search, and
watching the files for changes.

May import: `core.models`, `core.errors`, `core.text`, `core.pack`. Never the plan, storage or git.
"""
