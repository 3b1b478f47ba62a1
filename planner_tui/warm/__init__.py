"""A warm process that answers the command line's calls without importing the libraries again; `client` is the entry point."""
