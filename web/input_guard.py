"""Refuse text the store cannot hold (NUL characters, lone UTF-16 surrogates) before any route sees it.

PostgreSQL text and jsonb reject NUL, and UTF-8 cannot encode a lone surrogate (which JSON's ``\\udXXX`` escapes
can carry): left through, either becomes a server error deep in a query or in the answer that echoes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_REASON = "chứa ký tự không được phép (ký tự NUL hoặc mã Unicode lẻ)"
Loc = tuple[str | int, ...]


def _pairs(items: list[tuple[str, Any]], where: str) -> Iterator[tuple[Loc, str]]:
    """Names and values of parameters or form fields, each with where it is."""
    for name, value in items:
        yield (where, name), name
        yield (where, name), str(value)


def _texts(value: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Every string (keys included) of a parsed JSON value, with where it is."""
    stack = [(loc, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, child in item.items():
                yield (*where, key), str(key)
                stack.append(((*where, key), child))
        elif isinstance(item, list):
            stack.extend(((*where, i), child) for i, child in enumerate(item))


async def _body_texts(request: Request) -> list[tuple[Loc, str]]:
    """The body's texts as the route reads them (cached on the request: nothing is read from the client twice).

    A route that parses its own form gets a plain form looked at here too; a multipart one is left to it (its
    limits on files and fields are its own).
    """
    route = request.scope.get("route")
    field = route.body_field if isinstance(route, APIRoute) else None
    content_type = request.headers.get("content-type", "")
    if field is None:
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return []
        return list(_pairs(parse_qsl((await request.body()).decode("latin-1"), keep_blank_values=True), "body"))
    if isinstance(field.field_info, params.Form):
        form = await request.form()
        return list(_pairs([(k, v) for k, v in form.multi_items() if isinstance(v, str)], "body"))
    if content_type and "json" not in content_type:
        return []
    try:
        return list(_texts(await request.json(), ("body",)))
    except (ValueError, RecursionError):
        return []  # the route refuses it itself


async def storable_input(request: Request) -> None:
    """Raise a 422 naming the first path, query or body field whose text the store could not hold."""
    found = [
        *_pairs(list(request.path_params.items()), "path"),
        *_pairs(request.query_params.multi_items(), "query"),
        *await _body_texts(request),
    ]
    bad = next((where for where, text in found if _UNSTORABLE.search(text)), None)
    if bad is not None:
        raise RequestValidationError(
            [{"type": "value_error", "loc": bad, "msg": f"Value error, {_REASON}", "input": None}]
        )
