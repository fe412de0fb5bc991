"""The DuckDB store: connection, schema, the unit tree."""
