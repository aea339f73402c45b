"""The community digital library (retrieval with citations): not built yet, see the README."""
