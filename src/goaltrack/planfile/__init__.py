"""Plan files: reading, validating, loading into the database and exporting."""
