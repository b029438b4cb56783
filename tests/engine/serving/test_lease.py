"""A loop's lease with a moved clock: taken when free, refused while another process holds
it, renewed only once a third of its TTL has passed, lost once it expired unrenewed, and
released for another process at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from runplane.engine.serving.lease import Lease
from runplane.store import Database
from runplane.store import leases as lease_store
from tests.conftest import FakeClock

TTL = 15.0


def lease(db: Database, holder: str, clock: FakeClock) -> Lease:
    return Lease(db, "notifications", holder, TTL, clock=clock)


def expires_at(db: Database) -> object:
    with db.read() as conn:
        found = lease_store.find_lease(conn, "notifications")
    return None if found is None else found.expires_at


def test_a_free_lease_is_held_and_another_process_is_refused(
    db: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="runplane.engine.serving.lease")
    first, second = lease(db, "worker-a", clock), lease(db, "worker-b", clock)
    assert first.held()
    assert not second.held()
    assert "this server (worker worker-a) now runs notifications" in caplog.text
    with db.read() as conn:
        (held,) = lease_store.list_leases(conn, now=clock())
    assert held.holder == "worker-a"


def test_the_holder_renews_once_a_third_of_the_ttl_has_passed(
    db: Database, clock: FakeClock
) -> None:
    holder = lease(db, "worker-a", clock)
    assert holder.held()
    taken = expires_at(db)
    assert taken == clock.now + timedelta(seconds=TTL)
    clock.advance(seconds=TTL / 3 - 1)
    assert holder.held()
    assert expires_at(db) == taken, "renewed too early: a write every pass"
    clock.advance(seconds=1)
    assert holder.held()
    assert expires_at(db) == clock.now + timedelta(seconds=TTL)


def test_a_lease_left_unrenewed_past_its_ttl_goes_to_another_and_is_lost(
    db: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = lease(db, "worker-a", clock), lease(db, "worker-b", clock)
    assert first.held()
    clock.advance(seconds=TTL)
    assert not second.held(), "at its expiry instant the lease is still the holder's"
    clock.advance(seconds=1)
    assert second.held()
    assert not first.held()
    assert "this server (worker worker-a) no longer runs notifications" in caplog.text


def test_release_lets_another_process_take_it_at_once(db: Database, clock: FakeClock) -> None:
    first, second = lease(db, "worker-a", clock), lease(db, "worker-b", clock)
    assert first.held()
    assert not second.held()
    first.release()
    assert expires_at(db) is None
    assert second.held()
    first.release()  # not held any more: nothing to give up
    assert not first.held()


def test_release_after_a_takeover_leaves_the_new_holder_alone(
    db: Database, clock: FakeClock
) -> None:
    first, second = lease(db, "worker-a", clock), lease(db, "worker-b", clock)
    assert first.held()
    clock.advance(seconds=TTL + 1)
    assert second.held()
    first.release()
    with db.read() as conn:
        found = lease_store.find_lease(conn, "notifications")
    assert found is not None
    assert found.holder == "worker-b"
