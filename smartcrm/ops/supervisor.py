"""`smartcrm worker --processes N`: N worker processes, each started again when it exits.

The supervisor itself never touches the database (nothing it holds crosses into a child):
it starts each worker as a fresh `smartcrm worker` process named ``<name>-<n>``, and starts
a worker that exits, whatever the reason (a crash, SIGKILL, the out-of-memory killer), again
under the same name, so that the job it held goes back to the queue at once (its heartbeat
says it runs nothing). A worker that keeps dying at once is started again after waits that
double up to ``SMARTCRM_WORKER_BACKOFF_MAX``; one that stops on a configuration error
(status 78) stops the pool with that status: starting it again would not help.

SIGTERM or SIGINT stops the pool: each worker is asked to stop (it finishes the job at hand),
and the supervisor exits when all have. A second signal passes on, and stops them at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

logger = logging.getLogger("smartcrm.worker")

# The exit status of a configuration error (sysexits' EX_CONFIG): restarting will not help.
EXIT_CONFIGURATION = 78
# A worker that lived at least this long (seconds) before exiting is restarted at once.
STEADY_AFTER = 30.0
FIRST_WAIT = 0.5


def _die_with_parent() -> None:
    """In the child, before it runs: receive SIGTERM should the supervisor itself die
    (Linux), so that no worker is left behind unsupervised."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name or not sys.platform.startswith("linux"):
        return
    pr_set_pdeathsig = 1
    ctypes.CDLL(libc_name, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass
class Slot:
    """One place in the pool: its worker's name, its process, how often it died young."""

    number: int
    worker_id: str
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    quick_deaths: int = 0
    restart_at: float | None = None
    exits: list[int] = field(default_factory=list)


def exit_description(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


class Supervisor:
    """Keeps ``processes`` workers running until told to stop."""

    def __init__(
        self,
        *,
        processes: int,
        name: str,
        worker_args: list[str],
        backoff_max: float,
        out: Any,
    ) -> None:
        self.slots = [Slot(number=n, worker_id=f"{name[:60]}-{n}") for n in range(1, processes + 1)]
        self.worker_args = worker_args
        self.backoff_max = max(backoff_max, FIRST_WAIT)
        self.out = out
        self.stopping = False
        self.signals = 0

    def command(self, slot: Slot) -> list[str]:
        return [
            sys.executable,
            "-m",
            "smartcrm.cli",
            "worker",
            "--worker-id",
            slot.worker_id,
            *self.worker_args,
        ]

    def start(self, slot: Slot) -> None:
        # preexec_fn: only prctl, and this process runs no threads.
        slot.process = subprocess.Popen(
            self.command(slot),
            stdin=subprocess.DEVNULL,
            # A terminal's Ctrl-C reaches the supervisor alone, which passes one SIGTERM on.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        slot.started, slot.restart_at = time.monotonic(), None
        logger.info("Worker %s started (pid %s)", slot.worker_id, slot.process.pid)

    def signal_all(self, signum: int) -> None:
        for slot in self.slots:
            if slot.process is not None and slot.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    slot.process.send_signal(signum)

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1
        if not self.stopping:
            logger.warning(
                "Received %s: stopping the %s worker(s) after their current job",
                signal.strsignal(signum),
                len(self.slots),
            )
        self.stopping = True
        self.signal_all(signal.SIGTERM)

    def run(self) -> int:
        """Supervise until stopped; the exit status (0, or 78 for a configuration error)."""
        previous = {
            signum: signal.signal(signum, self.on_signal)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            for slot in self.slots:
                self.start(slot)
            self.out.write(
                f"SmartCRM worker pool: {len(self.slots)} process(es) "
                f"{', '.join(str(s.process.pid) for s in self.slots if s.process)} (Ctrl-C stops)\n"
            )
            self.out.flush()
            status = self.supervise()
            if not self.stopping:  # a configuration error: the others stop too
                self.stopping = True
                self.signal_all(signal.SIGTERM)
            for slot in self.slots:
                if slot.process is not None:
                    slot.process.wait()
            return status
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def supervise(self) -> int:
        while not self.stopping:
            for slot in self.slots:
                status = self.check(slot)
                if status is not None:
                    return status
            time.sleep(0.2)
        return 0

    def check(self, slot: Slot) -> int | None:
        """Start again a worker that exited (when its wait is over); a status to stop with."""
        now = time.monotonic()
        if slot.restart_at is not None:
            if now >= slot.restart_at and not self.stopping:
                self.start(slot)
            return None
        if slot.process is None or slot.process.poll() is None:
            return None
        code = slot.process.returncode
        slot.exits.append(code)
        if code == EXIT_CONFIGURATION:
            logger.error(
                "Worker %s stopped on a configuration error: the pool stops", slot.worker_id
            )
            return EXIT_CONFIGURATION
        lived = now - slot.started
        slot.quick_deaths = 0 if lived >= STEADY_AFTER else slot.quick_deaths + 1
        wait = min(FIRST_WAIT * 2 ** max(slot.quick_deaths - 1, 0), self.backoff_max)
        logger.warning(
            "Worker %s (pid %s) %s after %.0f s; starting it again in %s s",
            slot.worker_id,
            slot.process.pid,
            exit_description(code),
            lived,
            f"{wait:g}",
        )
        slot.restart_at = now + wait
        return None
