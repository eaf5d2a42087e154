"""Real Celery worker processes for real-stack tests and benchmarks."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _popen(command: list[str], *, env: dict, log: Path | None) -> subprocess.Popen:
    """`command` in its own session (process group), output to `log` or nowhere."""
    with open(log or "/dev/null", "ab") as output:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, start_new_session=True, stdout=output, stderr=output
        )


def celery_worker(
    *, env: dict, queues: str, args: tuple[str, ...] = (), log: Path | None = None
) -> subprocess.Popen:
    """Start `celery worker` on `queues` in its own process group (so a test can SIGKILL
    the whole worker at once); quiet, without the cluster chatter a lone worker needs not.
    Its warnings and errors go to `log` when given."""
    return _popen(
        [
            sys.executable, "-m", "celery", "-A", "relcommerce", "worker",
            "-Q", queues, "--loglevel=WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            *args,
        ],
        env=env,
        log=log,
    )  # fmt: skip


def celery_beat(*, env: dict, schedule: Path, log: Path | None = None) -> subprocess.Popen:
    """Start `celery beat` (the sweeper on the settings' schedule) in its own process
    group, keeping its schedule in `schedule` (a file of the test's own)."""
    return _popen(
        [
            sys.executable, "-m", "celery", "-A", "relcommerce", "beat",
            "--loglevel=WARNING", "-s", str(schedule),
        ],
        env=env,
        log=log,
    )  # fmt: skip
