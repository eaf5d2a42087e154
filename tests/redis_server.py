"""A redis-server of a test's own, to stop, freeze and restart: fault tests fail the real
thing (a dead port in a URL is a different failure from a server that stops answering)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    """A loopback port nothing listens on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port():
    """A port whose connections the kernel accepts and nobody ever answers: a hung Redis,
    as a client sees it, without a redis-server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        yield sock.getsockname()[1]


def cache_settings(url: str, **options) -> dict:
    """CACHES for the fail-open backend at `url`, with the production OPTIONS."""
    return {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "relcommerce",
            "OPTIONS": {
                "socket_connect_timeout": settings.REDIS_CONNECT_TIMEOUT,
                "socket_timeout": settings.REDIS_SOCKET_TIMEOUT,
                "LOCAL_FALLBACK_PREFIXES": settings.CACHE_LOCAL_FALLBACK_PREFIXES,
                **options,
            },
        }
    }


class RedisServer:
    """redis-server on a free loopback port, without persistence: a restart starts empty."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20.0) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C of pytest must not stop it behind our back
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on {self.port}") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        """The process ends: connections are closed, new ones refused."""
        self.thaw()
        self.process.terminate()
        self.process.wait(timeout=20)

    def freeze(self) -> None:
        """SIGSTOP: connections stay open and the kernel still accepts new ones, but
        nothing is answered — a hung server."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.thaw()
            self.process.kill()
            self.process.wait(timeout=20)


@pytest.fixture
def redis_server(tmp_path):
    """A running redis-server of the test's own (skipped where redis-server is missing)."""
    if not Path(REDIS_SERVER).exists():
        pytest.skip("needs redis-server (apt-get install -y redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.close()
