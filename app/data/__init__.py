"""The database as a whole: reference data loaded from data/, backup and restore."""
