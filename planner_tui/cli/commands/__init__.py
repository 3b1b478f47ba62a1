"""The command handlers, grouped by job: reading, the discussion, the plan, the workbench.

Each handler takes the parsed arguments and returns an exit code; `cli.registry` declares them.
"""

__all__: list[str] = []
