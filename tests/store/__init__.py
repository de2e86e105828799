"""The store: schema, migrations, append-only writes and reads, on SQLite and PostgreSQL."""
