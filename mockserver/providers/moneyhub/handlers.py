"""Operation handlers (specs/moneyhub*.yaml); filled in with the provider's operations."""
