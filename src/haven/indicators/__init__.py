"""indicators capability."""
