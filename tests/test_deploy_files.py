"""The deployment files stay valid: docker-compose.yml parses, names what exists, and checks each process's health
where that process answers."""

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from system import free_port, wait_for

from servicekit.auth import generate_keypair
from servicekit.testing.servers import on_ci

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("gateway", "cases", "tasks", "notify", "sla")
DOCKERFILES = ("deploy/service.Dockerfile", "deploy/gateway.Dockerfile")


def compose_command():
    """Compose v2 (`docker compose`) where it is installed, else the v1 `docker-compose` that .ci/run installs."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def compose_services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_docker_compose_file_is_valid():
    command = compose_command()
    if command is None:
        if on_ci():
            pytest.fail("CI=true and no docker compose client (.ci/run installs one)", pytrace=False)
        pytest.skip("no docker compose client here (.ci/run installs one)")
    result = subprocess.run([*command, "config", "-q"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_service_has_migrate_web_and_worker_and_files_that_exist():
    services = compose_services()
    for name in NAMES:
        for role in ("migrate", "web", "worker"):
            assert f"{name}-{role}" in services, f"{name}-{role}"
        build = services[f"{name}-web"]["build"]
        assert (ROOT / build["dockerfile"]).exists(), build["dockerfile"]
        if "args" in build:
            assert (ROOT / build["args"]["SERVICE_DIR"] / "pyproject.toml").exists()
    for volume in services["postgres"]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (ROOT / source).exists(), source


def test_every_process_is_given_the_secrets_its_settings_read():
    for name, service in compose_services().items():
        given = set(service.get("secrets", []))
        for variable, value in (service.get("environment") or {}).items():
            if variable.endswith("_FILE") and str(value).startswith("/run/secrets/"):
                assert value.removeprefix("/run/secrets/") in given, f"{name}: {variable}={value}"


def test_the_migrations_declare_the_queues_before_any_process_publishes():
    """`<service>-manage migrate` declares the service's queues on the broker; every web and worker process
    waits for all of them, since the exchange drops an event no queue is bound for yet."""
    services = compose_services()
    migrations = {f"{name}-migrate" for name in NAMES}
    for migrate in migrations:
        assert services[migrate]["environment"]["AMQP_URL"].startswith("amqp://"), migrate
        assert services[migrate]["depends_on"]["rabbitmq"] == {"condition": "service_healthy"}, migrate
    for name in NAMES:
        for role in ("web", "worker"):
            depends_on = services[f"{name}-{role}"]["depends_on"]
            assert {m: depends_on.get(m) for m in migrations} == {
                m: {"condition": "service_completed_successfully"} for m in migrations}, f"{name}-{role}"


def healthcheck_port(command: str) -> int:
    return int(re.search(r"http://127\.0\.0\.1:(\d+)/healthz", command).group(1))


def test_the_images_check_the_web_process_where_it_listens():
    for dockerfile in DOCKERFILES:
        text = (ROOT / dockerfile).read_text()
        assert healthcheck_port(text) == 8000, dockerfile
        assert "0.0.0.0:8000" in text, f"{dockerfile}: the web process binds 8000"
    services = compose_services()
    for name in NAMES:
        assert "healthcheck" not in services[f"{name}-web"], "the web process keeps the image's check"
        assert services[f"{name}-migrate"]["healthcheck"] == {"disable": True}, "a one-off has no health"


def test_every_worker_serves_its_probes_and_is_checked_there():
    services = compose_services()
    for name in NAMES:
        worker = services[f"{name}-worker"]
        port = int(worker["environment"]["WORKER_METRICS_PORT"])
        check = worker["healthcheck"]["test"]
        assert check[:3] == ["CMD", "python", "-c"], check
        assert healthcheck_port(check[3]) == port, f"{name}-worker is checked where it answers"


def test_a_worker_process_passes_the_healthcheck_compose_gives_it(tmp_path):
    """The real `cases-manage worker` with WORKER_METRICS_PORT, checked by the compose file's own command."""
    check = compose_services()["cases-worker"]["healthcheck"]["test"][3]
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/cases.db", "AMQP_URL": "memory://",
           "IDENTITY_PUBLIC_KEY": generate_keypair()[1], "DATA_DIR": str(tmp_path), "LOG_FORMAT": "text",
           "WORKER_METRICS_PORT": str(port)}
    manage = str(Path(sys.executable).with_name("cases-manage"))
    migrated = subprocess.run([manage, "migrate"], env=env, capture_output=True, text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    probe = [sys.executable, "-c", check.replace(f":{healthcheck_port(check)}/", f":{port}/")]
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen([manage, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: worker.poll() is not None or subprocess.run(probe, capture_output=True).returncode == 0,
                 timeout=60, message="the worker's /healthz")
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
