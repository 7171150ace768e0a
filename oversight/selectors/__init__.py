"""Every read of the oversight app, scoped to the user (S8), one module per feature."""
