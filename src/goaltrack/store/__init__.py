"""Everything that touches the database: tables, connections, migrations, plan sync and export,
recording, importing, shared queries, copy and verify."""
