"""mail capability."""
