"""bank capability."""
