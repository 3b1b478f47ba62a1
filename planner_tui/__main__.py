"""Allow `python -m planner_tui`."""

from planner_tui.cli import main

raise SystemExit(main())
