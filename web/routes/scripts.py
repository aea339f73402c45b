"""The few scripts the platform's pages may load (progressive enhancement: every page works without them)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter(include_in_schema=False)
_STATIC = Path(__file__).resolve().parents[1] / "static"
COPY_SCRIPT = (_STATIC / "sao-chep.js").read_bytes()
PLACE_SCRIPT = (_STATIC / "noi-nhan.js").read_bytes()
PRINT_SCRIPT = (_STATIC / "in.js").read_bytes()
FORM_SCRIPT = (_STATIC / "bieu-mau.js").read_bytes()


@router.get("/js/sao-chep.js")
async def copy_script() -> Response:
    """The copy button of the tracking code."""
    return Response(
        COPY_SCRIPT, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/js/noi-nhan.js")
async def place_script() -> Response:
    """The place on the petition form: suggestions as the citizen types, and "Dùng vị trí của tôi"."""
    return Response(
        PLACE_SCRIPT, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/js/in.js")
async def print_script() -> Response:
    """The print button of the receipt."""
    return Response(
        PRINT_SCRIPT, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/js/bieu-mau.js")
async def form_script() -> Response:
    """The petition form: the character counter, photos over the limit made smaller before sending."""
    return Response(
        FORM_SCRIPT, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"}
    )
