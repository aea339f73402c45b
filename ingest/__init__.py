"""Document ingestion for the library: parse (unstructured), chunk by structure, embed and store."""
