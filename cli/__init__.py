"""The ``mattran`` command line: a door beside ``web/``, over the core in ``mattran/``."""
