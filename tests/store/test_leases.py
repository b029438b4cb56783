"""Leases on both backends: taken, renewed, refused to another holder until they expire,
released only by their holder, and won by exactly one of several racing takers."""

from __future__ import annotations

import threading
from datetime import timedelta

from runplane.store import Database
from runplane.store import leases as lease_store
from tests.conftest import FakeClock

TTL = timedelta(seconds=15)


def take(db: Database, holder: str, clock: FakeClock, name: str = "notifications") -> bool:
    with db.write() as conn:
        return lease_store.take(conn, name, holder, now=clock(), ttl=TTL)


def holding(db: Database, name: str = "notifications") -> lease_store.Holding | None:
    with db.read() as conn:
        return lease_store.find_lease(conn, name)


def test_a_free_lease_is_taken_until_its_ttl(db: Database, clock: FakeClock) -> None:
    assert take(db, "worker-a", clock)
    found = holding(db)
    assert found is not None
    assert (found.holder, found.acquired_at, found.expires_at) == (
        "worker-a", clock.now, clock.now + TTL,
    )  # fmt: skip


def test_the_holder_renews_and_keeps_when_it_took_it(db: Database, clock: FakeClock) -> None:
    taken_at = clock.now
    assert take(db, "worker-a", clock)
    clock.advance(seconds=5)
    assert take(db, "worker-a", clock)
    found = holding(db)
    assert found is not None
    assert (found.acquired_at, found.expires_at) == (taken_at, clock.now + TTL)


def test_another_holder_is_refused_until_the_lease_expires(db: Database, clock: FakeClock) -> None:
    assert take(db, "worker-a", clock)
    clock.advance(seconds=15)  # expires_at itself: not yet expired
    assert not take(db, "worker-b", clock)
    clock.advance(seconds=1)
    assert take(db, "worker-b", clock)
    found = holding(db)
    assert found is not None
    assert (found.holder, found.acquired_at) == ("worker-b", clock.now)
    assert not take(db, "worker-a", clock), "the old holder must not take it back"


def test_leases_of_different_loops_are_independent(db: Database, clock: FakeClock) -> None:
    assert take(db, "worker-a", clock, name="sla-watch")
    assert take(db, "worker-b", clock, name="bulk-runner")
    with db.read() as conn:
        held = lease_store.list_leases(conn, now=clock())
    assert [(h.name, h.holder) for h in held] == [
        ("bulk-runner", "worker-b"), ("sla-watch", "worker-a"),
    ]  # fmt: skip


def test_release_frees_the_lease_for_another_at_once(db: Database, clock: FakeClock) -> None:
    assert take(db, "worker-a", clock)
    with db.write() as conn:
        assert not lease_store.release(conn, "notifications", "worker-b")
    assert not take(db, "worker-b", clock), "a release by a non-holder must change nothing"
    with db.write() as conn:
        assert lease_store.release(conn, "notifications", "worker-a")
    assert holding(db) is None
    assert take(db, "worker-b", clock)


def test_expired_leases_are_not_listed_as_held(db: Database, clock: FakeClock) -> None:
    assert take(db, "worker-a", clock)
    clock.advance(seconds=16)
    with db.read() as conn:
        assert lease_store.list_leases(conn, now=clock()) == []
        assert lease_store.find_lease(conn, "notifications") is not None


def test_one_of_several_racing_takers_wins_an_expired_lease(db: Database, clock: FakeClock) -> None:
    assert take(db, "worker-old", clock)
    clock.advance(seconds=60)
    takers = 6
    barrier = threading.Barrier(takers)
    won: list[str] = []

    def race(holder: str) -> None:
        barrier.wait()
        if take(db, holder, clock):
            won.append(holder)

    threads = [threading.Thread(target=race, args=(f"worker-{n}",)) for n in range(takers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1, won
    found = holding(db)
    assert found is not None
    assert found.holder == won[0]


def test_one_of_several_racing_takers_wins_a_lease_never_taken(
    db: Database, clock: FakeClock
) -> None:
    takers = 6
    barrier = threading.Barrier(takers)
    won: list[str] = []

    def race(holder: str) -> None:
        barrier.wait()
        if take(db, holder, clock, name="bulk-runner"):
            won.append(holder)

    threads = [threading.Thread(target=race, args=(f"worker-{n}",)) for n in range(takers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1, won
