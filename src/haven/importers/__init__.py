"""importers capability."""
