"""The refusals trail: a refusal whose entry the database cannot take still stands, said
in the server log instead of replacing the refusal with a storage error."""

from __future__ import annotations

import logging

import pytest

from runplane.engine.access.audit import record_refused
from runplane.model.audit import AuditAction, Origin
from runplane.store import Database


def test_a_refusal_the_database_cannot_record_is_logged(
    sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    db = sqlite_db
    assert db.path is not None
    db.path.unlink()
    origin = Origin("anonymous", address="203.0.113.9")
    with caplog.at_level(logging.WARNING, "runplane.engine.access.audit"):
        record_refused(db, origin, AuditAction.REFUSED, "POST /v1/x", status=403, reason="no")
    assert "refused POST /v1/x from 203.0.113.9, not audited: " in caplog.text
    assert "was removed while Runplane had it open" in caplog.text
