"""Reads from the replica: ``use_replica`` as a decorator serves requests running at once in threads."""

import threading

import pytest

from studygroup.dbrouter import _reading_replica, use_replica


def test_a_decorated_view_called_from_two_threads_at_once_reads_from_the_replica_in_each():
    both_inside = threading.Barrier(2, timeout=10)
    seen, errors = [], []

    @use_replica()
    def view():
        both_inside.wait()  # each thread is inside before either leaves
        seen.append(_reading_replica.get())

    def call():
        try:
            view()
        except Exception as exc:  # the failure is what the test reports
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (errors, seen) == ([], [True, True])
    assert _reading_replica.get() is False


def test_reads_leave_the_replica_when_the_block_ends_even_on_an_error():
    inside = []

    @use_replica()
    def failing_view():
        inside.append(_reading_replica.get())
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        failing_view()
    assert (inside, _reading_replica.get()) == ([True], False)
