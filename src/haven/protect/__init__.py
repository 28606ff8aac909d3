"""protect capability."""
