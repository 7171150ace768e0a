"""Excel files of the oversight app, one module per feature: rows in, file out (core.xlsx
neutralises formulas, S19); the views fetch the rows through the scoped selectors."""
