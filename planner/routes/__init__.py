"""Daily routes: which stops are due, who serves them, in what order (docs/routes.md)."""
