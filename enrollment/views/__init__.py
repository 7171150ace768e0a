"""Pages of the enrollment app: persons (persons.py) and roster imports (roster.py)."""
