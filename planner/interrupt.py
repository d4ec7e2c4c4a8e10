"""Ctrl-C stops a run at once, also in the middle of a solve.

CP-SAT and SCIP catch SIGINT themselves and take it as "stop searching": the run then
went on with what it had, wrote a rota and exited 0, or reported a time-out, as though
nobody had asked it to stop. Here the solvers leave SIGINT to Python, whose handler
raises KeyboardInterrupt as soon as the solver returns (the CLI then exits 130 and
writes nothing), and a watcher thread, woken through ``signal.set_wakeup_fd`` (which
works while the main thread is inside C++), asks every solver running at that moment to
stop, so the solver does return at once.
"""

from __future__ import annotations

import itertools
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_running: dict[int, Callable[[], object]] = {}
_lock = threading.Lock()
_keys = itertools.count()
_interrupted = threading.Event()

WATCHER = "planner-interrupt"
"""The watcher thread's name: it waits in ``recv`` holding no lock, so a fork may ignore it."""


@contextmanager
def stoppable(stop: Callable[[], object]) -> Iterator[None]:
    """While inside, a Ctrl-C calls ``stop`` (a solver's own "stop now")."""
    key = next(_keys)
    with _lock:
        _running[key] = stop
    try:
        if _interrupted.is_set():  # the signal came just before this solve began
            stop()
        yield
    finally:
        with _lock:
            _running.pop(key, None)


def _stop_all() -> None:
    _interrupted.set()
    with _lock:
        stops = list(_running.values())
    for stop in stops:
        stop()


@contextmanager
def watch() -> Iterator[None]:
    """Route Ctrl-C to the running solvers for the duration of one command.

    Does nothing outside the main thread (where signals cannot be set up), so library
    callers and tests in threads are unaffected.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # install Python's handler again: CP-SAT left with its own SIGINT handling (any
    # CpSolver not made here) resets SIGINT to the system default when a solve ends, which
    # would then kill the process outright
    handler = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, handler if handler is not None else signal.default_int_handler)
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    _interrupted.clear()

    def listen() -> None:
        while True:
            try:
                data = reader.recv(64)
            except OSError:
                return
            if not data:
                return
            if signal.SIGINT in data:
                _stop_all()

    thread = threading.Thread(target=listen, name=WATCHER, daemon=True)
    thread.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous)
        writer.close()  # the listener reads end-of-file and returns
        thread.join(timeout=1.0)
        reader.close()
