"""The store: PostgreSQL (embedded or external), migrations, reference data and every SQL query."""
