"""JSON responses for the hot read paths (lists, detail, log pages).

Their bodies are already shaped by `model/json.py`, so they are serialized once, in
Rust, without FastAPI validating them again; the response models still document them,
and the schemathesis suite checks every response against that document.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic_core import to_json


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(to_json(body), status_code=status_code, media_type="application/json")
