"""The objects a process makes at startup (the unit map, the router's model, the lexicons) are kept out of the
garbage collector's walks while the app runs (a full collection walked them all, ~350 ms with no request answered),
and handed back when it stops (tests start many apps in one process)."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from mattran.bootstrap import StoreUrls
from mattran.settings import Settings
from web.app import create_app


def test_startup_objects_are_frozen_while_the_app_runs(settings: Settings, urls: StoreUrls) -> None:
    gc.unfreeze()
    with TestClient(create_app(settings, urls)) as client:
        assert client.get("/healthz").status_code == 200
        frozen = gc.get_freeze_count()
        assert frozen > 100_000
        gc.collect()
        # a collection leaves them where they are (a few frozen objects may be freed meanwhile by the app's own
        # threads dropping their last reference, and the model's warm-up freezes more: the count is not exact)
        assert gc.get_freeze_count() > frozen * 0.99
    assert gc.get_freeze_count() == 0
