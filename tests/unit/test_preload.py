"""run.concurrency.Preload: a result made in the background, taken once or closed."""

from __future__ import annotations

import threading

import pytest

from posecoach.run.concurrency import Preload


def test_take_returns_what_was_made_in_another_thread():
    made_in = []

    def make():
        made_in.append(threading.current_thread().name)
        return "model"

    closed = []
    with Preload(make, closed.append, name="loader") as preload:
        assert preload.take() == "model"
    assert made_in == ["loader"]
    assert closed == []  # taken: the caller owns it now


def test_an_untaken_result_is_closed_on_leaving():
    closed = []
    with Preload(lambda: "model", closed.append):
        pass
    assert closed == ["model"]


def test_discard_closes_once():
    closed = []
    preload = Preload(lambda: "model", closed.append)
    preload.discard()
    preload.discard()
    assert closed == ["model"]


def test_the_error_of_make_is_raised_by_take_unchanged():
    error = ValueError("bad model file")

    def make():
        raise error

    with Preload(make, lambda _: None) as preload, pytest.raises(ValueError) as raised:
        preload.take()
    assert raised.value is error


def test_an_error_nobody_took_is_dropped_quietly():
    def make():
        raise OSError("gone")

    with Preload(make, lambda _: None):
        pass
