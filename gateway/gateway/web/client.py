"""The public API as the signed-in user, seen from a page.

Every page is served over the public API (``webauth.api()``, dispatched in-process), so it has
exactly the authorisation of an outside caller.  This module only shapes the answers: it sends
the page's language, so problem+json titles come in Danish or English, and wraps each answer
in an :class:`ApiResult`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import g

from .. import webauth
from ..i18n import _


@dataclass
class ApiResult:
    status: int
    headers: Mapping[str, str]
    body: Any = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def data(self) -> dict:
        return self.body if isinstance(self.body, dict) else {}

    @property
    def items(self) -> list[dict]:
        return list(self.data.get("items") or [])

    @property
    def total(self) -> int:
        return int(self.data.get("total") or len(self.items))

    @property
    def message(self) -> str:
        """What went wrong, in the user's language: the problem's detail, else its title."""
        data = self.data
        return str(data.get("detail") or data.get("title") or _("The request failed (%(status)s).",
                                                                  status=self.status))

    @property
    def message_with_details(self) -> str:
        """The message and what the API said of each field (for a form that shows no per-field errors)."""
        details = "; ".join(" ".join(messages) for messages in self.field_errors.values())
        return f"{self.message} {details}".strip()

    @property
    def field_errors(self) -> dict[str, list[str]]:
        errors = self.data.get("errors") or {}
        return {name: messages if isinstance(messages, list) else [str(messages)]
                for name, messages in errors.items()} if isinstance(errors, dict) else {}


@dataclass
class PageApi:
    """The signed-in user's API client for one request, with its language and a small read cache."""

    language: str
    _cache: dict[str, ApiResult] = field(default_factory=dict)

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"Accept-Language": self.language}
        headers.update(extra or {})
        return headers

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, cached: bool = False) -> ApiResult:
        key = path + "?" + repr(sorted((params or {}).items()))
        if cached and key in self._cache:
            return self._cache[key]
        result = _wrap(webauth.api().get(path, params=_clean(params), headers=self._headers(None)))
        if cached:
            self._cache[key] = result
        return result

    def post(self, path: str, json: Any = None, *, data: Any = None, files: Any = None,
             headers: Mapping[str, str] | None = None) -> ApiResult:
        kwargs: dict[str, Any] = {"headers": self._headers(headers)}
        if files is not None or data is not None:
            kwargs.update(data=data or {}, files=files or {})
        else:
            kwargs["json"] = json if json is not None else {}
        return _wrap(webauth.api().post(path, **kwargs))

    def patch(self, path: str, json: Any, *, headers: Mapping[str, str] | None = None) -> ApiResult:
        return _wrap(webauth.api().patch(path, json=json, headers=self._headers(headers)))

    def put(self, path: str, json: Any, *, headers: Mapping[str, str] | None = None) -> ApiResult:
        return _wrap(webauth.api().put(path, json=json, headers=self._headers(headers)))

    def delete(self, path: str, *, headers: Mapping[str, str] | None = None) -> ApiResult:
        return _wrap(webauth.api().delete(path, headers=self._headers(headers)))

    def stream(self, path: str) -> Any:
        """The answer of a download (attachments) with its body unread: iterate its ``stream``."""
        return webauth.api().get(path, headers=self._headers(None), stream=True)


def page_api() -> PageApi:
    from .language import current_language

    if "web_api" not in g:
        g.web_api = PageApi(current_language())
    return g.web_api


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {k: v for k, v in params.items() if v not in (None, "")}


def _wrap(answer: Any) -> ApiResult:
    """``webauth.api()`` answers with status, headers and the decoded body (problem+json included)."""
    return ApiResult(int(answer.status), answer.headers or {}, answer.body)
