"""`make run` on the embedded default, end to end: the one command a newcomer types runs the
web server *and* the periodic work (a Celery worker with beat on a folder broker), and
Ctrl-C stops every process it started.

The test starts `make run` itself — on a free port, a temporary SQLite database, media
folders and worker folder — in its own process group, as a terminal would. The database
is prepared first (migrated, a creator with a shop and a fan), so `seed_demo --if-empty`
skips the demo data. Then, over HTTP only: the creator schedules a post 20 s ahead and it
appears on the creator page within a minute of its time (beat publishes due posts, and
the worker's page-cache invalidation reaches the web server through the shared cache); a
fan follows and the creator's dashboard counts the follow within a minute (the live
roll-up). Finally SIGINT goes to the process group (Ctrl-C) and every process started
under it — make, honcho, runserver and its reloader child, the worker and its beat — must
be gone; and, in a second short run, the same after SIGHUP (the terminal closed).

It runs in the embedded pass of CI only: the real-stack pass has REDIS_URL set, under
which `make run` is the web server alone.
"""

import html
import http.client
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.redis_server import free_port
from tests.workers import ROOT

pytestmark = pytest.mark.embedded

PREPARE = textwrap.dedent(
    """
    import django
    django.setup()
    from django.test import Client
    from creators.models import User
    from shops.services import shop_open

    creator = User.objects.create_user(email="maker@example.com", password=None)
    shop_open(user=creator, handle="live_maker", display_name="Live Maker")
    fan = User.objects.create_user(email="fan@example.com", password=None)
    for user in (creator, fan):
        client = Client()
        client.force_login(user)
        print(client.cookies["sessionid"].value)
    """
)


class Browser:
    """One signed-in person: a cookie jar and CSRF tokens taken from the pages."""

    def __init__(self, port: int, session: str):
        self.port = port
        self.cookies = {"sessionid": session}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, text

    def post_form(self, page: str, action: str, form: dict) -> int:
        status, text = self.request("GET", page)
        assert status == 200, f"GET {page}: {status}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)
        status, text = self.request("POST", action, {"csrfmiddlewaretoken": token, **form})
        assert status in (200, 302), f"POST {action}: {status}\n{text[:2000]}"
        return status


def _descendants(root: int) -> set[int]:
    """Every process below `root` (by parent pid), however they grouped themselves."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def _wait(predicate, timeout: float, step: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(step)
    return None


def _followers_card(page: str) -> str | None:
    found = re.search(
        r'metric-card__label">Followers</span>\s*<span class="metric-card__value">([^<]+)<',
        page,
    )
    return found.group(1) if found else None


class MakeRun:
    """`make run` started as a terminal would, on its own database and folders."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "MAKEFLAGS", "MAKELEVEL")
        }
        self.env.update(
            DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
            MEDIA_ROOT=str(tmp_path / "media"),
            PRIVATE_MEDIA_ROOT=str(tmp_path / "private_media"),
            EMBEDDED_WORKER_DIR=str(tmp_path / "run"),
            DEBUG="1",
            LOG_LEVEL="WARNING",
            PYTHONDONTWRITEBYTECODE="1",
        )
        python = ROOT / ".venv" / "bin" / "python"
        self.python = str(python) if python.exists() else sys.executable
        self.processes: set[int] = set()

    def prepare(self) -> tuple[str, str]:
        """Migrate, add a creator with a shop and a fan; their session keys."""
        subprocess.run(
            [self.python, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        prepared = subprocess.run(
            [self.python, "-c", PREPARE],
            cwd=ROOT,
            env={**self.env, "DJANGO_SETTINGS_MODULE": "relcommerce.settings"},
            check=True,
            capture_output=True,
            text=True,
        )
        creator_session, fan_session = prepared.stdout.split()[-2:]
        return creator_session, fan_session

    def start(self) -> int:
        self.port = free_port()
        self.log = (self.tmp_path / "make-run.log").open("w")
        self.make = subprocess.Popen(
            ["make", "run", f"PORT={self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )

        def up():
            try:
                return Browser(self.port, "").request("GET", "/healthz")[0] == 200
            except OSError:
                return False

        assert _wait(up, timeout=120), f"make run did not serve within 120 s:\n{self.log_tail()}"
        self.processes = _descendants(self.make.pid) | {self.make.pid}
        return self.port

    def log_tail(self) -> str:
        self.log.flush()
        return (self.tmp_path / "make-run.log").read_text()[-4000:]

    def stop(self, signum: int) -> list[int]:
        """Send `signum` to the process group; the processes still running 20 s later
        (killed, so that none is left behind even when the test fails)."""
        self.processes |= _descendants(self.make.pid) | {self.make.pid}
        os.killpg(self.make.pid, signum)
        try:
            self.make.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        _wait(lambda: not any(_alive(pid) for pid in self.processes), timeout=20, step=0.2)
        survivors = [pid for pid in self.processes if _alive(pid)]
        for pid in survivors:
            os.kill(pid, signal.SIGKILL)
        if self.make.poll() is None:
            self.make.kill()
            self.make.wait()
        self.log.close()
        return survivors


def test_make_run_publishes_on_time_counts_live_and_stops_on_ctrl_c(tmp_path):
    run = MakeRun(tmp_path)
    creator_session, fan_session = run.prepare()
    port = run.start()
    creator = Browser(port, creator_session)
    fan = Browser(port, fan_session)
    stopped = False
    try:
        # The creator schedules a post 20 s ahead (the form takes UTC).
        due = datetime.now(UTC) + timedelta(seconds=20)
        creator.post_form(
            "/studio/posts/new/",
            "/studio/posts/new/",
            {
                "body": "Kiln opening at dawn",
                "link_url": "",
                "visibility": "public",
                "action": "schedule",
                "publish_at": due.strftime("%Y-%m-%dT%H:%M:%S"),
            },
        )
        # The creator page is a cached public page: fetch it signed out, as fans see it.
        visitor = Browser(port, "")
        assert "Kiln opening at dawn" not in visitor.request("GET", "/@live_maker/")[1]

        def published():
            return "Kiln opening at dawn" in visitor.request("GET", "/@live_maker/")[1]

        assert _wait(published, timeout=(due - datetime.now(UTC)).total_seconds() + 60), (
            f"the scheduled post was not on the creator page a minute after its time:\n"
            f"{run.log_tail()}"
        )
        assert datetime.now(UTC) >= due - timedelta(seconds=1), "published before its time"

        # A fan follows; the dashboard counts the follow within a minute.
        fan.post_form("/@live_maker/", "/@live_maker/follow/", {"action": "follow"})
        followed_at = time.monotonic()

        def counted():
            status, page = creator.request("GET", "/studio/")
            assert status == 200
            return _followers_card(html.unescape(page)) == "1" and page

        page = _wait(counted, timeout=60)
        assert page, f"the dashboard did not count the follow within 60 s:\n{run.log_tail()}"
        assert time.monotonic() - followed_at < 60
        assert re.search(r">updated \d+ seconds? ago</time>", page)

        # Ctrl-C in the terminal: SIGINT to the foreground process group.
        survivors = run.stop(signal.SIGINT)
        stopped = True
        assert survivors == [], f"processes still running after Ctrl-C: {survivors}"
        # make, sh, honcho and its helpers, runserver and its reloader child, the worker…
        assert len(run.processes) >= 8, run.processes
    finally:
        if not stopped:
            run.stop(signal.SIGINT)


def test_closing_the_terminal_stops_make_run_too(tmp_path):
    # SIGHUP, which the shell sends its jobs when the terminal closes: honcho alone would
    # die of it and leave the web server and the worker running (relcommerce/procfile.py).
    run = MakeRun(tmp_path)
    run.prepare()
    run.start()
    survivors = run.stop(signal.SIGHUP)
    assert survivors == [], f"processes still running after SIGHUP: {survivors}"
    assert len(run.processes) >= 8, run.processes
