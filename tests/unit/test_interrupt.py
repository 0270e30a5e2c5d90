"""posecoach.run.interrupt: stop signals raised as Interrupted, ignored ones left alone."""

from __future__ import annotations

import os
import signal

import pytest

from posecoach.run.interrupt import Interrupted, exit_code, stop_on_signals


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_raises_interrupted(signum):
    # Under nohup the suite starts with SIGHUP ignored, which stop_on_signals rightly
    # keeps; this test is about a signal that was not ignored.
    inherited = signal.getsignal(signum)
    if inherited is signal.SIG_IGN:
        signal.signal(signum, signal.SIG_DFL)
    try:
        before = signal.getsignal(signum)
        with pytest.raises(Interrupted) as caught, stop_on_signals():
            os.kill(os.getpid(), signum)  # the handler runs as soon as kill returns
        assert caught.value.signum == signum and exit_code(caught.value) == 128 + signum
        assert signal.Signals(signum).name in str(caught.value)
        assert signal.getsignal(signum) is before  # restored
    finally:
        signal.signal(signum, inherited)


def test_ignored_signal_stays_ignored():
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with stop_on_signals():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGHUP)  # nohup: nothing happens
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_plain_keyboard_interrupt_is_sigint():
    assert exit_code(KeyboardInterrupt()) == 130


def test_a_stop_lost_in_a_finalizer_is_raised_by_check_stop(capsys):
    """A signal landing while Python runs a __del__ (mediapipe frees its images there)
    has its exception swallowed; check_stop raises it again, and nothing is printed."""
    import os
    import signal

    from posecoach.run.interrupt import Interrupted, check_stop, stop_on_signals

    class SignalsWhileCollected:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(100_000):  # the handler runs here, inside __del__
                pass

    # A background job of a non-interactive shell starts with SIGINT ignored, which
    # stop_on_signals rightly keeps; this test is about a signal that was not ignored.
    inherited = signal.getsignal(signal.SIGINT)
    if inherited is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(Interrupted), stop_on_signals():
            thing = SignalsWhileCollected()
            del thing
            check_stop()
        assert capsys.readouterr().err == ""
        check_stop()  # outside the block nothing is pending
    finally:
        signal.signal(signal.SIGINT, inherited)
