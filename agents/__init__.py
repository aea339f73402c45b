"""The LangGraph agent graph (the assistant): not built yet, see the README's status table."""
