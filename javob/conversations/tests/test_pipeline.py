import pytest

from javob.conversations import pipeline

calls: list[tuple[str, int]] = []


def first(message_id: int) -> None:
    calls.append(("first", message_id))


def broken(message_id: int) -> None:
    raise RuntimeError("boom")


def last(message_id: int) -> None:
    calls.append(("last", message_id))


def test_steps_run_in_order_and_a_failure_does_not_stop_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls.clear()
    here = __name__
    steps = (f"{here}.first", f"{here}.broken", f"{here}.last")

    failed = pipeline.run_after_receive(7, steps)

    assert calls == [("first", 7), ("last", 7)]
    assert failed == [f"{here}.broken"]
    assert f"after_receive step {here}.broken failed for message 7" in caplog.text
