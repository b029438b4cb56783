"""The published contracts stay exactly as they are unless changed on purpose: the OpenAPI
document and every pipeline's parameter JSON Schema, compared byte for byte.

After a deliberate change, rewrite the files with `RUNPLANE_UPDATE_CONTRACT=1 pytest
tests/contract` and review the diff like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from runplane.pipelines import registry
from runplane.server import create_app
from runplane.store import Database
from tests.conftest import fast_settings

HERE = Path(__file__).parent
UPDATE = os.environ.get("RUNPLANE_UPDATE_CONTRACT") == "1"


def _compare(name: str, document: object) -> None:
    published = json.dumps(document, indent=1)
    path = HERE / name
    if UPDATE:
        path.write_text(published)
    assert published == path.read_text(), (
        f"{name} changed; if on purpose, run RUNPLANE_UPDATE_CONTRACT=1 pytest tests/contract"
    )


def test_the_openapi_document_is_unchanged(tmp_path: Path, sqlite_db: Database) -> None:
    settings = fast_settings(tmp_path, str(sqlite_db.url), pipeline_modules=[])
    _compare("openapi.json", create_app(sqlite_db, settings).openapi())


@pytest.mark.parametrize("name", ["params_schemas.json"])
def test_every_pipeline_parameter_schema_is_unchanged(name: str) -> None:
    registry.load([])
    builtin = {p.name: p.schema for p in registry if not p.name.startswith("tests.")}
    _compare(name, builtin)
