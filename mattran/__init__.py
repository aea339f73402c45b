"""Mặt trận số: core package (settings, store, domain, auth)."""
