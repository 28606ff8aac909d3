"""Command-line faces. Thin: argument parsing and output only; the work is in the capability packages."""
