"""The web door: FastAPI routes (thin adapters over the domain) and server-rendered pages."""
