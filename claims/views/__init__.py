"""Claims pages: lists, report, the claim page with its actions, documents, printouts, payments."""
