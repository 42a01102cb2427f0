"""The gateway's settings: required secrets, service keys, secrets from files."""

from __future__ import annotations

import pytest

from gateway import config
from servicekit.config import ConfigError

BASE = {"DATABASE_URL": "sqlite:///x.db", "AMQP_URL": "memory://", "SECRET_KEY": "s" * 40}


def test_service_keys_map_each_key_to_its_service():
    settings = config.load({**BASE, "SERVICE_API_KEYS": "notify:n-key-0123456789abcdef, tasks:t-key-0123456789abcdef"})
    assert settings.service_keys == {"n-key-0123456789abcdef": "notify", "t-key-0123456789abcdef": "tasks"}


def test_a_short_or_nameless_service_key_stops_the_start():
    with pytest.raises(ConfigError) as err:
        config.load({**BASE, "SERVICE_API_KEYS": "notify:short"})
    assert "SERVICE_API_KEYS" in err.value.problems


def test_the_session_secret_is_required():
    with pytest.raises(ConfigError) as err:
        config.load({k: v for k, v in BASE.items() if k != "SECRET_KEY"})
    assert "SECRET_KEY" in err.value.problems


def test_secrets_can_come_from_files(tmp_path):
    (tmp_path / "keys").write_text("cases:c-key-0123456789abcdef,sla:s-key-0123456789abcdef\n")
    (tmp_path / "secret").write_text("f" * 48 + "\n")
    (tmp_path / "admin").write_text("admin password from a file\n")
    settings = config.load({"DATABASE_URL": "sqlite:///x.db", "AMQP_URL": "memory://",
                            "SERVICE_API_KEYS_FILE": str(tmp_path / "keys"),
                            "SECRET_KEY_FILE": str(tmp_path / "secret"),
                            "ADMIN_PASSWORD_FILE": str(tmp_path / "admin")})
    assert set(settings.service_keys.values()) == {"cases", "sla"}
    assert settings.secret_key == "f" * 48
    assert settings.admin_password == "admin password from a file"


def test_sso_needs_a_client_id():
    with pytest.raises(ConfigError) as err:
        config.load({**BASE, "OIDC_ISSUER": "https://login.example.dk"})
    assert "OIDC_CLIENT_ID" in err.value.problems


def test_the_number_prefixes_default_to_those_of_the_services_and_are_kept_in_capitals():
    assert (config.load(BASE).case_number_prefix, config.load(BASE).task_number_prefix) == ("SAG", "TSK")
    settings = config.load({**BASE, "CASE_NUMBER_PREFIX": "sam", "TASK_NUMBER_PREFIX": "Opg"})
    assert (settings.case_number_prefix, settings.task_number_prefix) == ("SAM", "OPG")


@pytest.mark.parametrize("name, value", [("CASE_NUMBER_PREFIX", "SAG-"), ("CASE_NUMBER_PREFIX", "S4G"),
                                         ("TASK_NUMBER_PREFIX", "OPGAVERNE"), ("TASK_NUMBER_PREFIX", "T K")])
def test_a_number_prefix_of_anything_but_letters_stops_the_start(name, value):
    with pytest.raises(ConfigError) as err:
        config.load({**BASE, name: value})
    assert list(err.value.problems) == [name]
