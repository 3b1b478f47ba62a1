"""Text: markdown reading, containment of user text in a plan, text safe for a terminal, name
matching and reading project files safely.

May import: `core.models`, `core.errors`. Nothing else of the core: every other part builds on it.
"""
