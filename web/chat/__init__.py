"""The Chainlit chat, mounted inside the FastAPI app at ``/chat`` and trusting its session."""
