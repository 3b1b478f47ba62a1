"""Storage: the session file (store, encoding, migration), orphaned temp files, the lock, atomic writes,
and crash markers.

May import: `core.models`, `core.errors`. Never git, and nothing above storage (pack, epic, plan, engine).
"""
