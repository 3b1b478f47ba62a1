"""Git: commit exactly one path the way git would (index, hooks, signing, identity), with pygit2.

May import: `core.errors`. Never storage, and nothing above git (pack, epic, plan, engine).
"""
