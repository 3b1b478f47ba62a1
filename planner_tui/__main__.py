"""Allow `python -m planner_tui`."""

from planner_tui.cli.main import main

raise SystemExit(main())
