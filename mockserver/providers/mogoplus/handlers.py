"""Operation handlers (specs/mogoplus*.yaml); filled in with the provider's operations."""
