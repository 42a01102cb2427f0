"""The deployment files stay valid: docker-compose.yml parses and names what exists."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from servicekit.testing.servers import on_ci

ROOT = Path(__file__).resolve().parents[1]


def compose_command():
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


def test_docker_compose_file_is_valid():
    command = compose_command()
    if command is None:
        if on_ci():
            pytest.fail("CI=true and no docker compose client (.ci/run installs one)", pytrace=False)
        pytest.skip("no docker compose client here (.ci/run installs one)")
    result = subprocess.run([*command, "config", "-q"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_service_has_migrate_web_and_worker_and_files_that_exist():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in ("gateway", "cases", "tasks", "notify", "sla"):
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
