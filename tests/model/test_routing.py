"""Queue names: what routes an execution, and the message a bad one gets."""

from __future__ import annotations

import pytest

from runplane.model.routing import InvalidQueue, checked_queue, queue_of


@pytest.mark.parametrize("name", ["default", "heavy", "gpu.a100", "eu-west_1", "9", "q" * 64])
def test_good_queue_names_pass(name: str) -> None:
    assert checked_queue(name) == name


@pytest.mark.parametrize(
    "name", ["", "two words", "-lead", ".hidden", "q" * 65, "caf\u00e9", "a/b"]
)
def test_bad_queue_names_say_what_one_looks_like(name: str) -> None:
    with pytest.raises(InvalidQueue, match="use 1 to 64 letters, digits"):
        checked_queue(name)


def test_no_queue_means_the_default_one() -> None:
    assert (queue_of(None), queue_of("heavy")) == ("default", "heavy")
