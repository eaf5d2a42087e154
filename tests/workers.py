"""Real Celery worker processes for real-stack tests and benchmarks."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def celery_worker(*, env: dict, queues: str, args: tuple[str, ...] = ()) -> subprocess.Popen:
    """Start `celery worker` on `queues` in its own process group (so a test can SIGKILL
    the whole worker at once); quiet, without the cluster chatter a lone worker needs not."""
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "relcommerce", "worker",
            "-Q", queues, "--loglevel=WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            *args,
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
