"""Sign-in (OpenID Connect relying party), principals and bearer tokens."""
