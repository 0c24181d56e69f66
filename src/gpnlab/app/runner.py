"""Work in a background thread, with progress and cancel, so the page stays responsive.

A :class:`Job` runs ``fn(progress, stop)`` in a daemon thread: ``fn`` reports its progress as a
fraction in [0, 1] and returns when done, or raises (e.g. :class:`gpnlab.app.data.Cancelled`
once ``stop`` is set). ``on_change`` and the ``listeners`` are called when the state changes and
at most every ``every`` seconds while progress moves (the progress line redraws itself this
way); ``on_end`` once, when the work has ended (the page redraws its results). ``context`` (a
Solara kernel context) is entered around each call, so the callback may set the page's state
from any thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from gpnlab.errors import InputError

STATES = ("running", "done", "cancelled", "failed")


class Job:
    def __init__(
        self,
        fn: Callable[[Callable[[float], None], threading.Event], Any],
        *,
        on_change: Callable[[], None] | None = None,
        on_end: Callable[[], None] | None = None,
        context: AbstractContextManager[Any] | None = None,
        every: float = 0.25,
    ) -> None:
        self.fn = fn
        self.on_change = on_change
        self.on_end = on_end
        self.listeners: list[Callable[[], None]] = []  # progress watchers (added any time)
        self.context = context
        self.every = every
        self.stop = threading.Event()
        self.state = "running"
        self.progress = 0.0
        self.result: Any = None
        self.error = ""
        self.started = time.perf_counter()
        self.elapsed = 0.0
        self._last = 0.0
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True, name="gpnlab-app-job")

    def start(self) -> Job:
        self.thread.start()
        return self

    def cancel(self) -> None:
        """Ask the work to stop; it does within one quarter of a run."""
        self.stop.set()

    def _notify(self, force: bool = False) -> None:
        """Call ``on_change`` and the listeners (throttled) in the page's context, from
        whichever thread reports (the work may report from threads of its own)."""
        with self._lock:
            now = time.perf_counter()
            if not force and now - self._last < self.every:
                return
            self._last = now
        callbacks = [c for c in (self.on_change, *self.listeners) if c is not None]
        with self.context if self.context is not None else nullcontext():
            for c in callbacks:
                c()

    def _progress(self, fraction: float) -> None:
        self.progress = min(max(fraction, 0.0), 1.0)
        self.elapsed = time.perf_counter() - self.started
        self._notify()

    def _run(self) -> None:
        try:
            self.result = self.fn(self._progress, self.stop)
            self.state = "cancelled" if self.stop.is_set() else "done"
        except InputError as exc:
            self.state, self.error = "failed", str(exc)
        except Exception as exc:
            if self.stop.is_set():
                self.state = "cancelled"
            else:
                first = str(exc).splitlines()[0][:300] if str(exc) else ""
                self.state, self.error = "failed", f"{type(exc).__name__}: {first}"
        self.elapsed = time.perf_counter() - self.started
        if self.on_end is not None:  # first: the page redraws its buttons and results
            with self.context if self.context is not None else nullcontext():
                self.on_end()
        self._notify(force=True)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def wait(self, timeout: float | None = None) -> str:
        self.thread.join(timeout)
        return self.state
