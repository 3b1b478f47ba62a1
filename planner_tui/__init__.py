"""planner-tui: a terminal workbench for planning one role of an epic."""

__version__ = "0.1.0"
