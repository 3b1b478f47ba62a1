"""The prompt pack: where the project keeps its commands and support files, the role prompts and their
topics, the rules (`01-forbidden.md`), the MCP list and client configs, the pipeline, and the built-in role.

May import: `core.models`, `core.errors`, `core.text`. Never the epic, the discussion, the plan, storage or git.
"""
