"""Every write of the oversight app, one module per feature. Lock order (docs/architecture.md):
person → scheme year → policy → claim → payment → oversight rows; a service that needs an
earlier row locks it first."""
