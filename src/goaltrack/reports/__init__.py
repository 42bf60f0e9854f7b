"""Report data builders: coverage, budget, progress (rendered by any output format)."""
