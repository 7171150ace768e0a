"""Pages of the oversight app, one module per feature: thin views over the selectors and
services."""
