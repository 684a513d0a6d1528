"""Operation handlers (specs/fena*.yaml); filled in with the provider's operations."""
