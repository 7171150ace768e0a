"""The oversight app's rules as pure functions (no database, no clock), one module per feature;
the action tables of complaints and surveys (core.workflow) live beside their rules."""
