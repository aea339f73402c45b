"""The assistant's tools, thin adapters over the domain layer: not built yet, see the README."""
