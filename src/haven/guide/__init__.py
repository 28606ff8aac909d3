"""guide capability."""
