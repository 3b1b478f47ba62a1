"""Storage: the session file (store, encoding, migration), orphaned temp files, the lock, atomic writes,
crash markers, the checks' results kept across calls (memo), and files decoded ahead by the warm process (primed).

May import: `core.models`, `core.errors`. Never git, and nothing above storage (pack, epic, plan, engine).
"""
