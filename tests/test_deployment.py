"""The production shape: Dockerfile, docker-compose.yml, gunicorn and the production settings.

No container engine is needed: the compose file is checked against the Compose specification,
the production settings are loaded in child processes (this process runs the test settings),
and the image's gunicorn command is started on loopback.
"""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = ("web", "worker", "beat")

# Everything the settings read that the developer's or CI's shell might have set: each
# child process starts from a known environment and gets only what its test gives it.
SETTINGS_PREFIXES = ("SECURE_", "OIDC_", "EMAIL_", "REDIS_", "DB_", "CELERY_", "GUNICORN_")
SETTINGS_NAMES = {
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "DATABASE_URL",
    "DATA_DIR",
    "MEDIA_ROOT",
    "SERVE_MEDIA",
    "BEHIND_TLS_PROXY",
    "DEFAULT_FROM_EMAIL",
    "WEB_CONCURRENCY",
    "PORT",
    # Set by the browser tests in this same process; production must never have it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_NAMES and not name.startswith(SETTINGS_PREFIXES)
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_hex(32),  # 64 characters, as check --deploy wants
        ALLOWED_HOSTS="commons.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        DATA_DIR=str(tmp_path / "data"),
    )
    env.update(values)
    return {name: value for name, value in env.items() if value is not None}


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def load_yaml(path: Path) -> dict:
    with path.open() as handle:
        return YAML(typ="safe").load(handle)


def check_compose(path: Path) -> subprocess.CompletedProcess:
    """Validate with check-jsonschema's vendored copy of the Compose specification (offline)."""
    return run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)]
    )


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_yaml(COMPOSE_FILE)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1].rstrip() + " "
            continue
        current += stripped
        keyword, _, arguments = current.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


# --- docker-compose.yml -------------------------------------------------------------------


def test_compose_file_follows_the_compose_specification():
    result = check_compose(COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def _unknown_service_key(data: dict) -> None:
    data["services"]["web"]["comand"] = data["services"]["web"].pop("command")


def _unknown_healthcheck_key(data: dict) -> None:
    data["services"]["postgres"]["healthcheck"]["intervall"] = "5s"


def _ports_not_a_list(data: dict) -> None:
    data["services"]["web"]["ports"] = {"http": 8000}


@pytest.mark.parametrize(
    "breakage",
    [_unknown_service_key, _unknown_healthcheck_key, _ports_not_a_list],
    ids=["unknown-service-key", "unknown-healthcheck-key", "ports-not-a-list"],
)
def test_compose_validation_rejects_a_broken_file(tmp_path, compose, breakage):
    # The same content, re-serialised (JSON is YAML), passes unchanged...
    intact = tmp_path / "intact" / "docker-compose.yml"
    intact.parent.mkdir()
    intact.write_text(json.dumps(compose, indent=2))
    assert check_compose(intact).returncode == 0
    # ...and fails once broken, so the validation test above can fail.
    broken_data = json.loads(json.dumps(compose))
    breakage(broken_data)
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(json.dumps(broken_data, indent=2))
    result = check_compose(broken)
    assert result.returncode != 0
    assert "Schema validation errors" in result.stdout + result.stderr


def test_compose_has_the_production_services(compose):
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("postgres", "redis", "web"):
        assert "test" in services[name]["healthcheck"], name
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]


def test_compose_web_migrates_then_serves_with_gunicorn(compose):
    web = compose["services"]["web"]
    assert web["build"] == "."
    command = " ".join(web["command"])
    assert re.search(r"manage\.py migrate --noinput && exec gunicorn .*config\.wsgi", command)
    assert "8000:8000" in web["ports"]
    for dependency in ("postgres", "redis"):
        assert web["depends_on"][dependency]["condition"] == "service_healthy"
    # The slim image has no curl: the health check asks /healthz with Python's urllib.
    check = web["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"]
    assert "urllib" in check[3] and "/healthz" in check[3]


def test_compose_worker_and_beat_run_celery_with_the_config_app(compose):
    services = compose["services"]
    assert services["worker"]["command"] == ["celery", "-A", "config", "worker", "--loglevel=info"]
    assert services["beat"]["command"] == [
        "celery",
        "-A",
        "config",
        "beat",
        "--loglevel=info",
        "--scheduler",
        "django_celery_beat.schedulers:DatabaseScheduler",
    ]
    # Same image as the web service, so the code and settings always match.
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    # Beat's schedule tables come from the web service's migrations.
    assert services["beat"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_compose_app_services_share_one_environment_and_the_media_volume(compose):
    services = compose["services"]
    shared = [value for key, value in compose.items() if key.startswith("x-")]
    environments = [services[name]["environment"] for name in APP_SERVICES]
    assert all(environment == environments[0] for environment in environments)
    assert environments[0] in shared
    environment = environments[0]
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["DATABASE_URL"].endswith("@postgres:5432/commons")
    assert environment["SERVE_MEDIA"].endswith("true}")
    assert environment["SECURE_SSL_REDIRECT"].endswith("false}")
    media = f"media:{environment['MEDIA_ROOT']}"
    assert media in services["web"]["volumes"]
    assert media in services["worker"]["volumes"]
    assert "media" in compose["volumes"]


def test_compose_has_an_smtp_sink_the_app_sends_to(compose):
    services = compose["services"]
    sinks = [name for name, s in services.items() if s.get("image", "").startswith("axllent/")]
    assert len(sinks) == 1
    sink = sinks[0]
    assert services[sink]["image"].startswith("axllent/mailpit:")
    assert "127.0.0.1:8025:8025" in services[sink]["ports"]
    email_url = services["web"]["environment"]["EMAIL_URL"]
    assert email_url == f"${{EMAIL_URL:-smtp://{sink}:1025}}"


SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY$")


def required(name: str) -> str:
    """Pattern for `${NAME:?message}`: compose stops when NAME is unset or empty."""
    return r"\$\{" + name + r":\?[^}]+\}"


def test_compose_hard_codes_no_secret(compose):
    environment = compose["services"]["web"]["environment"]
    assert re.fullmatch(required("SECRET_KEY"), environment["SECRET_KEY"])
    password = compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert re.fullmatch(required("POSTGRES_PASSWORD"), password)
    # The database URL's password is the same interpolated variable, never a literal.
    assert re.fullmatch(
        "postgres://commons:" + required("POSTGRES_PASSWORD") + "@postgres:5432/commons",
        environment["DATABASE_URL"],
    )
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                # Either required from the environment or optional and empty by default.
                optional = r"\$\{" + key + r":-\}"
                assert re.fullmatch(f"{required(key)}|{optional}", str(value)), (name, key)


# --- Dockerfile and gunicorn --------------------------------------------------------------


def test_dockerfile_builds_a_slim_non_root_image_without_baked_secrets():
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    assert instructions[0] == ("FROM", "python:3.11-slim")

    runs = [arguments for keyword, arguments in instructions if keyword == "RUN"]
    install = next(arguments for arguments in runs if "pip install" in arguments)
    assert re.search(r"pip install \.(\s|$)", install)
    assert "[test]" not in install

    # collectstatic gets throwaway values inline, in that one RUN only.
    collect = next(arguments for arguments in runs if "collectstatic" in arguments)
    assert re.match(r"SECRET_KEY=\S+ ALLOWED_HOSTS=\S+ python manage\.py collectstatic", collect)
    for keyword, arguments in instructions:
        if keyword in {"ENV", "ARG"}:
            assert "SECRET_KEY" not in arguments
            assert "ALLOWED_HOSTS" not in arguments

    user_index = keywords.index("USER")
    user = instructions[user_index][1]
    assert user not in {"root", "0"} and not user.startswith(("root:", "0:"))
    assert "RUN" not in keywords[user_index + 1 :], "everything after USER runs unprivileged"

    cmd = json.loads(instructions[keywords.index("CMD")][1])
    assert cmd[0] == "gunicorn" and cmd[-1] == "config.wsgi:application"
    assert cmd[cmd.index("--config") + 1] == "config/gunicorn.py"


def test_dockerignore_keeps_local_state_out_of_the_image():
    patterns = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "var", ".pytest_cache", ".ruff_cache", ".env"} <= patterns
    assert "**/__pycache__" in patterns


def load_gunicorn_config(env: dict[str, str]) -> dict:
    script = (
        "import json, runpy; c = runpy.run_path('config/gunicorn.py'); "
        "print(json.dumps({k: v for k, v in c.items() if isinstance(v, str | int)}))"
    )
    result = run([sys.executable, "-c", script], env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_gunicorn_config_reads_its_tuning_from_the_environment(tmp_path):
    defaults = load_gunicorn_config(production_env(tmp_path))
    assert defaults["bind"] == "0.0.0.0:8000"
    assert 2 <= defaults["workers"] <= 8
    assert defaults["accesslog"] == "-" and defaults["errorlog"] == "-"
    assert defaults["timeout"] == 30

    tuned = load_gunicorn_config(
        production_env(tmp_path, WEB_CONCURRENCY="3", GUNICORN_TIMEOUT="45", PORT="9000")
    )
    assert tuned["workers"] == 3
    assert tuned["timeout"] == 45
    assert tuned["bind"] == "0.0.0.0:9000"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_image_command_serves_and_passes_the_compose_health_check(tmp_path, compose):
    """The Dockerfile's CMD, run here: the compose health check passes even with SSL redirect."""
    port = str(free_port())
    cmd = json.loads(dict(dockerfile_instructions())["CMD"])
    env = production_env(
        tmp_path,
        PORT=port,
        WEB_CONCURRENCY="1",
        ALLOWED_HOSTS="commons.example.com,localhost",
        SECURE_SSL_REDIRECT="true",
        # Check Redis too when the run has one (CI does).
        REDIS_URL=os.environ.get("REDIS_URL"),
        XDG_RUNTIME_DIR=str(tmp_path),  # gunicorn's control socket
    )
    server = subprocess.Popen(
        [str(BIN / cmd[0]), *cmd[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # answering (400 for the unlisted 127.0.0.1 host): up
            except OSError:
                assert server.poll() is None, "gunicorn exited early"
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)

        check = compose["services"]["web"]["healthcheck"]["test"]
        probe = check[3].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        result = run([sys.executable, "-c", probe], env=env)
        assert result.returncode == 0, result.stderr

        # Everything else is redirected to HTTPS, as production must.
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/", headers={"Host": "commons.example.com"}
        )
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(request, timeout=5)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"] == "https://commons.example.com/"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert '"GET /healthz HTTP/1.1" 200' in output, output  # access log on stdout


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- production settings ------------------------------------------------------------------


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


@pytest.mark.parametrize("name", ["SECRET_KEY", "ALLOWED_HOSTS"])
@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_production_settings_refuse_to_start_without(tmp_path, name, value):
    result = run(
        [sys.executable, "manage.py", "check"], env=production_env(tmp_path, **{name: value})
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr


SETTINGS_DUMP = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "CONN_MAX_AGE": settings.DATABASES["default"]["CONN_MAX_AGE"],
    "CONN_HEALTH_CHECKS": settings.DATABASES["default"]["CONN_HEALTH_CHECKS"],
    "SESSION_ENGINE": settings.SESSION_ENGINE,
    "CSP": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
}, default=str))
"""


def test_production_settings_are_hardened(tmp_path):
    # A PostgreSQL URL as in docker-compose.yml; loading settings does not connect.
    env = production_env(tmp_path, DATABASE_URL="postgres://commons:pw@db.invalid:5432/commons")
    result = run([sys.executable, "-c", SETTINGS_DUMP], env=env)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["DEBUG"] is False
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SECURE_HSTS_SECONDS"] > 0
    assert loaded["CONN_MAX_AGE"] > 0 and loaded["CONN_HEALTH_CHECKS"] is True
    assert loaded["SESSION_ENGINE"].endswith(("sessions.backends.db", "backends.cached_db"))
    script_src = [str(source).lower() for source in loaded["CSP"]["script-src"]]
    assert script_src, "script-src must be set"
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert "'self'" in script_src
