"""planner-tui as an MCP server: an agent's seat at the planning table, over the same engine as the CLI."""
