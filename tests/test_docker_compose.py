"""docker-compose.yml and the Dockerfile point at things that exist.

No container engine runs here, so these tests read the files: every service's command
must name a real entry point (the WSGI application, the Celery app, a management
command), the worker must consume every queue tasks are routed to, the app services must
use only environment variables the settings read, and `docker-compose config` (Debian's,
which parses without an engine) must accept the file.
"""

import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from celery import Celery
from celery.app.utils import find_app
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SETTINGS_FILE = ROOT / "relcommerce" / "settings.py"
VENV_BIN = Path(sys.executable).parent
APP_SERVICES = {"web", "worker", "beat"}
# Read by compose itself (interpolated into the file), never by the app.
COMPOSE_ONLY_VARIABLES = {"POSTGRES_PASSWORD", "WEB_PORT"}
# The engines' own containers take their own variables (POSTGRES_DB…).
ENGINE_SERVICES = {"postgres", "redis"}


# --- Reading the files ----------------------------------------------------------------


def _compose_python() -> str | None:
    """The interpreter of Debian's docker-compose (a Python program that has PyYAML)."""
    binary = shutil.which("docker-compose")
    if binary is None:
        return None
    with open(binary, "rb") as script:
        first_line = script.readline().decode(errors="replace").strip()
    if first_line.startswith("#!") and "python" in first_line:
        return first_line[2:].split()[0]
    return None


def _load_yaml(text: str):
    try:
        import yaml
    except ImportError:
        pass
    else:
        return yaml.safe_load(text)
    python = _compose_python()
    if python is None:
        pytest.skip("reading docker-compose.yml needs PyYAML (pip install pyyaml)")
    converted = subprocess.run(
        [python, "-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(converted.stdout)


@pytest.fixture(scope="module")
def compose() -> dict:
    assert COMPOSE_FILE.is_file(), "docker-compose.yml is missing"
    return _load_yaml(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined."""
    instructions, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, arguments = current.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


def _dockerfile_cmd() -> list[str]:
    commands = [args for keyword, args in _dockerfile_instructions() if keyword == "CMD"]
    assert commands, "the Dockerfile has no CMD"
    # Exec form (a JSON list) so gunicorn is PID 1 and receives the stop signal.
    return json.loads(commands[-1])


def _command(service: dict) -> list[str]:
    """What a service runs: its `command`, or the image's CMD when it is built here."""
    command = service.get("command")
    if command is None:
        assert "build" in service, f"no command and no image built here: {service}"
        return _dockerfile_cmd()
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?]([^}]*))?\}|\$\$")


def _interpolate(value: str) -> str:
    """Compose's `${VAR:-default}` with the file's own defaults (not this shell's values),
    so the file is checked as shipped."""
    return _VARIABLE.sub(lambda m: "$" if m.group(0) == "$$" else (m.group(2) or ""), value)


def _strings(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif node is not None:
        yield str(node)


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: _interpolate("" if value is None else str(value)) for key, value in env.items()}


def _option(command: list[str], *names: str) -> str | None:
    """The value of an option in `-Q a,b`, `-Qa,b`, `--queues a,b` or `--queues=a,b` form."""
    for index, word in enumerate(command):
        for name in names:
            if word == name and index + 1 < len(command):
                return command[index + 1]
            if name.startswith("--") and word.startswith(f"{name}="):
                return word.split("=", 1)[1]
            if not name.startswith("--") and word.startswith(name) and len(word) > len(name):
                return word[len(name) :]
    return None


def _settings_env_names() -> set[str]:
    """Every variable relcommerce/settings.py reads through its `env` reader."""
    names = set(
        re.findall(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", SETTINGS_FILE.read_text())
    )
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= names, names
    return names


def _celery_services(services: dict, subcommand: str) -> dict[str, list[str]]:
    found = {}
    for name, service in services.items():
        if "build" not in service:
            continue
        command = _command(service)
        if command[:1] == ["celery"] and subcommand in command:
            found[name] = command
    return found


def _known_queues() -> set[str]:
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    return routed | {settings.CELERY_TASK_DEFAULT_QUEUE}


# --- The services ---------------------------------------------------------------------


def test_the_stack_has_web_worker_beat_postgres_and_redis(compose, services):
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    assert services["postgres"]["image"].split(":")[0] == "postgres"
    assert services["redis"]["image"].split(":")[0] == "redis"
    for name in APP_SERVICES:
        assert "build" in services[name], f"{name} must run the image built from this repo"

    # Data that must survive a restart lives on named volumes declared at the top level.
    declared = set(compose.get("volumes") or {})
    mounts = {
        name: {
            str(volume).split(":")[1]: str(volume).split(":")[0]
            for volume in svc.get("volumes", [])
        }
        for name, svc in services.items()
    }
    assert mounts["postgres"].get("/var/lib/postgresql/data") in declared
    assert mounts["redis"].get("/data") in declared
    media_root = _environment(services["web"])["MEDIA_ROOT"]
    assert mounts["web"].get(media_root) in declared, "uploads must be on a volume"


def test_every_service_command_names_a_real_entry_point(services):
    for name, service in services.items():
        if "build" not in service:
            continue
        command = _command(service)
        executable = command[0]
        assert shutil.which(executable, path=str(VENV_BIN)) or shutil.which(executable), (
            f"{name}: {executable!r} is not installed"
        )
        if executable == "python":
            assert command[1] == "manage.py" and (ROOT / "manage.py").is_file(), command
            assert command[2] in get_commands(), f"{name}: no management command {command[2]}"
        elif executable == "gunicorn":
            _assert_wsgi_application(command)
        elif executable == "celery":
            _assert_celery_app(command)
        else:
            pytest.fail(f"{name}: unexpected entry point {command}")


def _assert_wsgi_application(command: list[str]) -> None:
    targets = [word for word in command[1:] if not word.startswith("-") and "." in word]
    assert targets, f"gunicorn is not told which application to serve: {command}"
    module_name, _, attribute = targets[0].partition(":")
    assert module_name == "relcommerce.wsgi", command
    application = getattr(importlib.import_module(module_name), attribute or "application")
    assert callable(application)


def _assert_celery_app(command: list[str]) -> None:
    name = _option(command, "-A", "--app")
    assert name == "relcommerce", command
    # The same lookup the celery command line does for `-A relcommerce`.
    app = find_app(name)
    assert isinstance(app, Celery)
    assert app is importlib.import_module("relcommerce.celery").app


def test_web_runs_gunicorn_on_the_wsgi_application_like_the_image(services):
    web = _command(services["web"])
    image = _dockerfile_cmd()
    for command in (web, image):
        assert command[0] == "gunicorn"
        _assert_wsgi_application(command)
    # compose and the image's CMD serve the same application on the same port.
    assert _gunicorn_target(web) == _gunicorn_target(image)
    assert _option(web, "--bind", "-b") == _option(image, "--bind", "-b") == "0.0.0.0:8000"


def _gunicorn_target(command: list[str]) -> str:
    target = next(word for word in command[1:] if not word.startswith("-") and "." in word)
    return target if ":" in target else f"{target}:application"


def test_workers_consume_exactly_the_queues_tasks_are_sent_to(services):
    workers = _celery_services(services, "worker")
    assert workers, "no Celery worker service"
    consumed = set()
    for name, command in workers.items():
        queues = _option(command, "-Q", "--queues")
        assert queues, f"{name} must name its queues (-Q), or it consumes only 'celery'"
        consumed |= set(queues.split(","))
    known = _known_queues()
    assert consumed - known == set(), "a worker consumes a queue no task is routed to"
    assert known - consumed == set(), "tasks are routed to a queue no worker consumes"
    # Periodic tasks land on a consumed queue too.
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        route = settings.CELERY_TASK_ROUTES.get(entry["task"], {})
        assert route.get("queue", settings.CELERY_TASK_DEFAULT_QUEUE) in consumed, entry


def test_exactly_one_beat_with_its_schedule_on_a_volume(services):
    beats = _celery_services(services, "beat")
    assert list(beats) == ["beat"], "run exactly one beat, or periodic tasks run twice"
    schedule = _option(beats["beat"], "-s", "--schedule")
    assert schedule, "beat needs a writable schedule file (the app user cannot write /app)"
    targets = [str(volume).split(":")[1] for volume in services["beat"].get("volumes", [])]
    assert str(Path(schedule).parent) in targets


# --- Environment ----------------------------------------------------------------------


def test_app_services_share_one_environment_of_variables_the_settings_read(services):
    known = _settings_env_names()
    environments = {name: _environment(services[name]) for name in APP_SERVICES}
    assert len({json.dumps(env, sort_keys=True) for env in environments.values()}) == 1, (
        "web, worker and beat must run with the same settings"
    )
    env = environments["web"]
    unknown = set(env) - known
    assert not unknown, f"not read by relcommerce/settings.py (typo?): {sorted(unknown)}"
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"} <= set(env)
    assert env["DEBUG"] == "0", "compose runs the production settings"


def test_interpolated_variables_are_settings_or_documented_compose_variables(compose):
    used = {
        match.group(1)
        for text in _strings(compose)
        for match in _VARIABLE.finditer(text)
        if match.group(1)
    }
    assert {"SECRET_KEY", "POSTGRES_PASSWORD"} <= used
    unknown = used - _settings_env_names() - COMPOSE_ONLY_VARIABLES
    assert not unknown, f"${{…}} names neither a setting nor a compose variable: {unknown}"


def test_urls_point_at_the_engine_services(services):
    env = _environment(services["web"])
    database = urlsplit(env["DATABASE_URL"])
    postgres = _environment(services["postgres"])
    assert database.scheme in ("postgres", "postgresql", "pgsql")
    assert database.hostname == "postgres"
    assert database.username == postgres["POSTGRES_USER"]
    assert database.path.lstrip("/") == postgres["POSTGRES_DB"]
    assert database.password == postgres["POSTGRES_PASSWORD"]
    assert urlsplit(env["REDIS_URL"]).hostname == "redis"


# --- Health and start-up order --------------------------------------------------------


def _healthcheck_test(service: dict) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    assert test, f"no healthcheck: {service}"
    return " ".join(test) if isinstance(test, list) else test


def test_postgres_redis_and_web_have_healthchecks(services):
    assert "pg_isready" in _healthcheck_test(services["postgres"])
    assert "redis-cli ping" in _healthcheck_test(services["redis"])

    web_check = _interpolate(_healthcheck_test(services["web"]))
    url = urlsplit(re.search(r"https?://[^'\" ]+", web_check).group(0))
    assert url.path == "/healthz"
    assert resolve(url.path).func.__module__ == "relcommerce.health"
    # Plain HTTP from inside the container: exempt from the SSL redirect, and the host it
    # sends must be one the app accepts.
    assert any(re.search(pattern, "healthz") for pattern in settings.SECURE_REDIRECT_EXEMPT)
    allowed = _environment(services["web"])["ALLOWED_HOSTS"].split(",")
    assert url.hostname in allowed, f"the healthcheck host {url.hostname} is not in {allowed}"


def test_services_wait_for_what_they_need(services):
    for name, service in services.items():
        depends_on = service.get("depends_on") or {}
        if isinstance(depends_on, list):
            depends_on = {dependency: {} for dependency in depends_on}
        for dependency, condition in depends_on.items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if condition.get("condition") == "service_healthy":
                assert services[dependency].get("healthcheck"), (
                    f"{name} waits for {dependency} to be healthy, but it has no healthcheck"
                )
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        for engine in ENGINE_SERVICES:
            assert depends_on[engine]["condition"] == "service_healthy", (name, engine)
        migrations_first = [
            dep
            for dep, cond in depends_on.items()
            if cond.get("condition") == "service_completed_successfully"
            and _command(services[dep])[:3] == ["python", "manage.py", "migrate"]
        ]
        web_migrates = name == "web" and "migrate" in " ".join(_command(services[name]))
        assert migrations_first or web_migrates, f"{name} may start before migrations ran"


# --- The image ------------------------------------------------------------------------


def test_dockerfile_builds_a_non_root_image_with_collected_static_files():
    instructions = _dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = [args for keyword, args in instructions if keyword == "RUN"]
    assert any(re.search(r"\bpip install --no-deps \.(\s|$)", run) for run in runs)
    # Dependencies come from the lock file, checked against its hashes (tests/test_lock_files.py).
    assert any("--require-hashes -r requirements.lock" in run for run in runs)

    collect = next(run for run in runs if "collectstatic" in run)
    # Production settings load only with a secret and hosts; the dummies are for this step.
    for variable in ("DEBUG=0", "SECRET_KEY=", "ALLOWED_HOSTS="):
        assert variable in collect, f"collectstatic runs without {variable}"
    env_lines = " ".join(args for keyword, args in instructions if keyword == "ENV")
    assert "SECRET_KEY" not in env_lines, "no secret may be baked into the image"

    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image must not run as root"
    assert keywords.index("CMD") > len(keywords) - 1 - keywords[::-1].index("USER")


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "*.sqlite3", "media", "staticfiles", ".env"} <= ignored


@pytest.mark.skipif(
    shutil.which("docker-compose") is None,
    reason="needs Debian's docker-compose (apt-get install -y docker-compose)",
)
def test_docker_compose_config_accepts_the_file():
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMPOSE_")}
    result = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
