"""Forms of the oversight app, one module per feature."""
