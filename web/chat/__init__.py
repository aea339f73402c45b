"""The Chainlit chat, mounted inside the FastAPI app at ``/chat`` and trusting its session.

Chainlit reads its app root once, when it is first imported, and makes its ``.chainlit/`` config (with Chainlit's
defaults) and ``.files/`` there: this package sets it to its own folder before any of its modules imports chainlit.
"""

import os
from pathlib import Path

os.environ.setdefault("CHAINLIT_APP_ROOT", str(Path(__file__).parent))
