"""The assistant's tools: thin adapters over the domain layer, each re-checking the caller's permission."""
