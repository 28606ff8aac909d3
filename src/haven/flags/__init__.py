"""flags capability."""
