"""Operation handlers (specs/ob*.yaml); filled in with the provider's operations."""
