"""Log-in costs the same whatever part was wrong: exactly one argon2id verification every time."""

from __future__ import annotations

import pytest
from gatewaykit import GatewayHarness
from sqlalchemy import select

from gateway.models import User
from servicekit.auth import generate_keypair


@pytest.fixture
def harness(tmp_path):
    h = GatewayHarness.start(f"sqlite:///{tmp_path / 'gateway.db'}", "memory://", {}, generate_keypair())
    yield h
    h.stop()


class CountedHasher:
    """The gateway's own argon2 hasher, with its verifications counted."""

    def __init__(self, hasher):
        self.hasher = hasher
        self.verified: list[str] = []

    def verify(self, stored_hash, password):
        self.verified.append(stored_hash)
        return self.hasher.verify(stored_hash, password)

    def __getattr__(self, name):
        return getattr(self.hasher, name)


@pytest.fixture
def verifications(harness, monkeypatch):
    passwords = harness.context.extras["gateway"].passwords
    counted = CountedHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", counted)
    return counted.verified


def test_an_unknown_address_an_inactive_user_no_password_and_a_wrong_one_each_cost_one_verification(
        harness, verifications):
    user = harness.create_user()
    inactive = harness.create_user()
    harness.client.post(f"/api/v1/users/{inactive['id']}/deactivate", headers=harness.admin)
    without_password = harness.create_user(password=None)
    attempts = {
        "unknown address": ("nobody@example.dk", "a fine long password"),
        "inactive user": (inactive["email"], inactive["password"]),
        "no password": (without_password["email"], "a fine long password"),
        "wrong password": (user["email"], "not the password"),
        "right password": (user["email"], user["password"]),
    }
    for what, (email, password) in attempts.items():
        verifications.clear()
        response = harness.client.post("/api/v1/auth/token", json={"email": email, "password": password})
        assert response.status_code == (200 if what == "right password" else 401), what
        assert len(verifications) == 1, what
        assert verifications[0].startswith("$argon2id$"), what


def test_stored_password_hashes_are_argon2id(harness):
    harness.create_user()
    with harness.context.database.transaction() as session:
        hashes = session.scalars(select(User.password_hash).where(User.password_hash.is_not(None))).all()
    assert len(hashes) >= 2  # the first admin and the new user
    assert all(h.startswith("$argon2id$") for h in hashes)
