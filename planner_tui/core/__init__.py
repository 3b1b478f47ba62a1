"""The planning engine: pure Python, no Textual; shared by the workbench and the command line."""
