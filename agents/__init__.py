"""The assistant: a LangGraph graph over the platform's tools, usable with or without a language model."""
