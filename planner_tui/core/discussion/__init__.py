"""The discussion: the rules of a session as pure functions (add, answer, drop, flag, confirm, edit),
question numbering, and batch answers.

May import: `core.models`, `core.errors`, `core.text`. Never storage, git, the plan or the epic.
"""
