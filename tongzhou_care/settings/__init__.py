"""Settings: base (shared), dev (scripts/run), test (scripts/test), production (docs/deploy.md)."""
