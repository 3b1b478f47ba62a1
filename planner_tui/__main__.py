"""Allow `python -m planner_tui` (the same entry point as the `planner-tui` script)."""

from planner_tui.warm.client import main

main()
