"""Starting the real OpenID Connect provider (node, panva/oidc-provider) and signing in through its pages."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import requests
from node_tools import node_for

HERE = Path(__file__).parent / "oidc"


class OidcProvider:
    def __init__(self, port: int, client_id: str, client_secret: str, redirect_uri: str, accounts: dict):
        node = node_for("oidc", "oidc-provider")
        self.issuer = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PORT": str(port), "CLIENT_ID": client_id, "CLIENT_SECRET": client_secret,
               "REDIRECT_URI": redirect_uri, "ACCOUNTS": json.dumps(accounts), "NODE_ENV": "development"}
        self.process = subprocess.Popen([node, str(HERE / "provider.mjs")], cwd=HERE, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._wait_until_ready()

    def _wait_until_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stdout.read().decode())
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("the OIDC provider did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def sign_in_at_provider(browser: requests.Session, start_url: str, login: str) -> requests.Response:
    """Follow the flow as a browser would: to the provider, through its log-in and consent pages, back."""
    page = browser.get(start_url, timeout=10)
    for prompt, fields in (("login", {"login": login, "password": "any"}), ("consent", {})):
        if f'name="prompt" value="{prompt}"' not in page.text:
            continue
        action = re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1)
        page = browser.post(requests.compat.urljoin(page.url, action), data={"prompt": prompt, **fields},
                            timeout=10)
    return page
