"""Users, tokens and logins in the engine: bad input and refusals write nothing (not even
an audit entry), the last admin stays, and each change is audited with who asked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from runplane.engine.access import tokens, users
from runplane.engine.access.sessions import MAX_FAILURES, login
from runplane.engine.errors import AccessRefused, InvalidAccess, LoginFailed, LoginLocked
from runplane.model.access import LEAST_ROLE, Action, Role
from runplane.model.audit import Origin
from runplane.store import Database, NotFound
from runplane.store import audit as audit_store
from runplane.store import users as user_store
from tests.conftest import FakeClock
from tests.factories import PASSWORD, make_user

ADMIN = Origin("os:root", "host", "runplane-cli")


def _written(db: Database) -> tuple[int, int]:
    with db.read() as conn:
        return user_store.count_users(conn), audit_store.count_entries(conn)


def test_every_action_has_a_least_role() -> None:
    assert set(LEAST_ROLE) == set(Action)
    assert Role.ADMIN.may(Action.SCHEDULES)
    assert not Role.OPERATOR.may(Action.SCHEDULES)
    assert Role.OPERATOR.may(Action.CANCEL)
    assert not Role.VIEWER.may(Action.RUN)


@pytest.mark.parametrize(
    ("name", "role", "password", "error"),
    [
        ("with space", "admin", PASSWORD, InvalidAccess),
        ("ctl\x07", "admin", PASSWORD, InvalidAccess),
        ("UPPER", "admin", PASSWORD, InvalidAccess),
        ("carol", "root", PASSWORD, InvalidAccess),
        ("carol", "admin", "short", InvalidAccess),
        ("carol", "admin", "line\nbreak!", InvalidAccess),
        ("alice", "viewer", PASSWORD, AccessRefused),
    ],
)
def test_bad_users_are_refused_and_nothing_is_written(
    db: Database, name: str, role: str, password: str, error: type[Exception]
) -> None:
    with db.write() as conn:
        make_user(conn, "alice")
    before = _written(db)
    with pytest.raises(error):
        users.add_user(db, name, role, password, by=ADMIN)
    assert _written(db) == before


def test_the_last_admin_is_never_removed_or_demoted(db: Database) -> None:
    with db.write() as conn:
        make_user(conn, "alice", "admin")
        make_user(conn, "bob", "operator")
    before = _written(db)
    with pytest.raises(AccessRefused, match="last admin"):
        users.remove_user(db, "alice", by=ADMIN)
    with pytest.raises(AccessRefused, match="last admin"):
        users.set_role(db, "alice", "operator", by=ADMIN)
    assert _written(db) == before
    users.set_role(db, "bob", "admin", by=ADMIN)
    users.set_role(db, "alice", "viewer", by=ADMIN)
    users.remove_user(db, "alice", by=ADMIN)
    with pytest.raises(NotFound):
        users.remove_user(db, "alice", by=ADMIN)
    with db.read() as conn:
        actions = [str(e.action) for e in audit_store.iter_entries(conn, audit_store.AuditFilter())]
    assert actions == ["user.set-role", "user.set-role", "user.remove"]


def test_tokens_check_their_name_user_and_expiry(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        make_user(conn, "alice")
    now = clock()
    assert tokens.parse_expiry("90d", now) == now + timedelta(days=90)
    assert tokens.parse_expiry("never", now) is None
    for bad in ("0d", "2020-01-01", "-1d", "tomorrow"):
        with pytest.raises(InvalidAccess):
            tokens.parse_expiry(bad, now)
    before = _written(db)
    with pytest.raises(InvalidAccess):
        tokens.create_token(db, "bad name", "alice", expires_at=None, by=ADMIN, clock=clock)
    with pytest.raises(NotFound):
        tokens.create_token(db, "ci", "nobody", expires_at=None, by=ADMIN, clock=clock)
    assert _written(db) == before
    token, secret = tokens.create_token(db, "ci", "alice", expires_at=None, by=ADMIN, clock=clock)
    assert secret.startswith("rp_")
    assert secret not in token.secret_hash
    with pytest.raises(AccessRefused):
        tokens.create_token(db, "ci", "alice", expires_at=None, by=ADMIN, clock=clock)
    tokens.revoke_token(db, "ci", by=ADMIN, clock=clock)
    tokens.create_token(db, "ci", "alice", expires_at=None, by=ADMIN, clock=clock)  # name free


def test_logins_lock_after_five_failures_per_user_or_address(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as conn:
        make_user(conn, "alice")
    here = Origin("anonymous", "10.0.0.1", "browser")
    hour = timedelta(hours=1)
    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginFailed):
            login(db, "alice", "wrong password", origin=here, lifetime=hour, clock=clock)
        clock.advance(seconds=30)
    with pytest.raises(LoginLocked) as locked:
        login(db, "alice", PASSWORD, origin=here, lifetime=hour, clock=clock)
    assert locked.value.retry_after == 10 * 60 - 5 * 30  # the first failure leaves the window
    elsewhere = Origin("anonymous", "10.0.0.2", "browser")
    with pytest.raises(LoginLocked):  # the user is locked from every address
        login(db, "alice", PASSWORD, origin=elsewhere, lifetime=hour, clock=clock)
    with pytest.raises(LoginLocked):  # and the address for every user
        login(db, "bob", PASSWORD, origin=here, lifetime=hour, clock=clock)
    clock.advance(seconds=locked.value.retry_after)
    session, secret = login(db, "alice", PASSWORD, origin=here, lifetime=hour, clock=clock)
    assert session.user == "alice"
    assert session.expires_at == clock() + hour
    assert len(secret) == 43
