"""Property-based fuzz and contract tests (schemathesis) against every mounted spec."""
