"""Raw files into the warehouse's raw schema: the loader (DuckDB) and its PostgreSQL and Spark copies."""
