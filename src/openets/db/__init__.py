"""Storage adapters: schema, engines and migrations (SQLite embedded, PostgreSQL in production)."""
