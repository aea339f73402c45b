"""Document ingestion for the library: not built yet, see the README."""
