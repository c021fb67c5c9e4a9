"""A small step runner for the IdP replays (entra_flow.py, okta_flow.py).

A replay is a list of steps, run in order. Each step sends one or more HTTP requests and
asserts what shared/idp-quirks.md says must hold (status, then the resource read back).
A failed step prints every request and response it made, and what was expected, then the
replay goes on with the next step, unless the failed step was `critical` (later steps need
its result, such as the id of a created user): then the rest is reported as not run.

The last line a replay prints is `<name>: P/N steps passed`; its exit code is 0 only if every
step passed. Everything else it prints is a step line (`ok   N. …`, `FAIL N. …`, `SKIP N. …`) or
a detail line indented by five spaces under one: summarize.py fails on any other line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from typing import Any, Callable, Iterable

import requests

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"

# Bodies longer than this are cut in failure reports.
SHOW_CHARS = 3000


class StepFailed(Exception):
    """An assertion of a step did not hold."""


class Abort(Exception):
    """A critical step failed; the steps after it cannot run."""


def check(condition: Any, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def check_eq(actual: Any, expected: Any, what: str) -> None:
    if actual != expected:
        raise StepFailed(f"{what}: expected {expected!r}, got {actual!r}")


def dig(doc: Any, path: str) -> Any:
    """`dig(user, "name.givenName")`; `None` when any part is missing. A key containing dots
    (a schema URN) is written in brackets: `dig(user, "[urn:...:User].manager.value")`."""
    parts: list[str] = []
    rest = path
    while rest:
        if rest.startswith("["):
            end = rest.index("]")
            parts.append(rest[1:end])
            rest = rest[end + 1 :].lstrip(".")
        else:
            head, _, rest = rest.partition(".")
            parts.append(head)
    for part in parts:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def work_email(user: dict) -> Any:
    for email in user.get("emails") or []:
        if isinstance(email, dict) and email.get("type") == "work":
            return email.get("value")
    return None


def member_ids(group: dict) -> set[str]:
    return {m.get("value") for m in group.get("members") or [] if isinstance(m, dict)}


def filter_quote(value: str) -> str:
    """A SCIM filter string literal."""
    return json.dumps(value)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


class Replay:
    def __init__(self, name: str, base_url: str, token: str, headers: dict[str, str]):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.default_headers = headers
        self.session = requests.Session()
        self.exchanges: list[tuple[str, str, dict, str | None, requests.Response | None]] = []
        self.passed = 0
        self.failed = 0
        self.not_run: list[str] = []
        self.aborted = False
        self.notes: list[str] = []
        self.number = 0

    # ---- HTTP -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | Iterable[tuple[str, Any]] | str | None = None,
        headers: dict[str, str] | None = None,
        auth: str | None = "bearer",
        expect: int | tuple[int, ...] | None = None,
    ) -> requests.Response:
        """Sends one request. `path` is relative to the SCIM base URL. `auth="bearer"` sends
        the replay's token; any other string is sent as the Authorization header verbatim;
        None sends none. `expect` is the status (or statuses) the step requires."""
        hdrs = dict(self.default_headers)
        hdrs.update(headers or {})
        if auth == "bearer":
            hdrs["Authorization"] = f"Bearer {self.token}"
        elif auth is not None:
            hdrs["Authorization"] = auth
        data = None if body is None else json.dumps(body)
        url = self.base_url + path
        resp = None
        try:
            resp = self.session.request(
                method, url, params=params, data=data, headers=hdrs, timeout=30
            )
        finally:
            shown = dict(hdrs)
            if "Authorization" in shown and auth == "bearer":
                shown["Authorization"] = "Bearer <token>"
            self.exchanges.append(
                (method, resp.request.url if resp is not None else url, shown, data, resp)
            )
        if expect is not None:
            codes = expect if isinstance(expect, tuple) else (expect,)
            check(
                resp.status_code in codes,
                f"expected HTTP {' or '.join(map(str, codes))}, got {resp.status_code}",
            )
        if resp.content:
            ctype = resp.headers.get("Content-Type", "")
            check(
                ctype.split(";")[0].strip() == "application/scim+json",
                f"response Content-Type is {ctype!r}, expected application/scim+json",
            )
        return resp

    def json(self, resp: requests.Response) -> Any:
        try:
            return resp.json()
        except ValueError as exc:
            raise StepFailed(f"response body is not JSON: {exc}") from exc

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any, **kw: Any) -> requests.Response:
        return self.request("POST", path, body=body, **kw)

    def put(self, path: str, body: Any, **kw: Any) -> requests.Response:
        return self.request("PUT", path, body=body, **kw)

    def patch(self, path: str, operations: list[dict], **kw: Any) -> requests.Response:
        return self.request(
            "PATCH", path, body={"schemas": [PATCH_OP], "Operations": operations}, **kw
        )

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)

    # ---- SCIM shapes ------------------------------------------------------------------

    def list_response(self, resp: requests.Response) -> list[dict]:
        """Checks a ListResponse (RFC 7644 §3.4.2) and returns its Resources."""
        body = self.json(resp)
        check(isinstance(body, dict), "ListResponse is not a JSON object")
        check(LIST_RESPONSE in (body.get("schemas") or []), "schemas lacks the ListResponse URN")
        total = body.get("totalResults")
        check(
            isinstance(total, int) and not isinstance(total, bool),
            f"totalResults is not an integer: {total!r}",
        )
        resources = body.get("Resources", [])
        check(isinstance(resources, list), "Resources is not an array")
        check(
            total >= len(resources),
            f"totalResults {total} is smaller than the {len(resources)} Resources returned",
        )
        return resources

    def search(self, resource: str, flt: str, **kw: Any) -> list[dict]:
        params = kw.pop("params", {})
        resp = self.get(f"/{resource}", params={"filter": flt, **params}, expect=200, **kw)
        return self.list_response(resp)

    def scim_error(self, resp: requests.Response, status: int) -> dict:
        """Checks an RFC 7644 §3.12 error body."""
        body = self.json(resp)
        check(ERROR in (body.get("schemas") or []), "error body lacks the Error URN in schemas")
        check_eq(str(body.get("status")), str(status), "error body status")
        check(body.get("detail"), "error body has no detail")
        return body

    def read(self, path: str, **kw: Any) -> dict:
        return self.json(self.get(path, expect=200, **kw))

    def note(self, text: str) -> None:
        """Information printed under the step, pass or fail."""
        self.notes.append(text)

    # ---- steps ------------------------------------------------------------------------

    def step(self, title: str, *, critical: bool = False) -> Callable[[Callable[[], None]], None]:
        """Decorator that runs the function at once as one step."""

        def run(fn: Callable[[], None]) -> None:
            nonlocal title
            self.number += 1
            title = f"{self.number}. {title}"
            if self.aborted:
                self.not_run.append(title)
                return
            self.exchanges = []
            self.notes = []
            started = time.monotonic()
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - any error fails the step, with its exchanges shown
                self.failed += 1
                print(f"FAIL {title}")
                why = str(exc) if isinstance(exc, StepFailed) else f"{type(exc).__name__}: {exc}"
                print(f"     why: {indent(why)}")
                for note in self.notes:
                    print(f"     note: {indent(note)}")
                self._show_exchanges()
                if critical:
                    self.aborted = True
            else:
                self.passed += 1
                ms = (time.monotonic() - started) * 1000
                print(f"ok   {title} ({ms:.0f} ms)")
                for note in self.notes:
                    print(f"     note: {indent(note)}")
            sys.stdout.flush()

        return run

    def _show_exchanges(self) -> None:
        for method, url, headers, data, resp in self.exchanges:
            print(f"     > {method} {url}")
            for key in ("Content-Type", "Authorization", "User-Agent"):
                if key in headers:
                    print(f"     > {key}: {headers[key]}")
            if data is not None:
                print(f"     > {cut(data)}")
            if resp is None:
                print("     < (no response)")
                continue
            print(f"     < {resp.status_code} {resp.reason}")
            ctype = resp.headers.get("Content-Type")
            if ctype:
                print(f"     < Content-Type: {ctype}")
            if resp.content:
                print(f"     < {cut(resp.text)}")

    def finish(self) -> int:
        for title in self.not_run:
            print(f"SKIP {title} (not run: an earlier critical step failed)")
        total = self.passed + self.failed + len(self.not_run)
        print(f"{self.name}: {self.passed}/{total} steps passed")
        return 0 if self.passed == total else 1


def indent(text: str) -> str:
    """A text with newlines, its later lines indented like detail lines (summarize.py reads
    every unindented line as a step, a summary or a crash)."""
    return text.replace("\n", "\n          ")


def cut(text: str) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= SHOW_CHARS else text[:SHOW_CHARS] + f"… ({len(text)} chars)"


def replay_main(name: str, description: str, headers: dict, run) -> int:
    """Command-line entry point of a replay: reads the base URL and token, runs `run(replay)`
    until it finishes or a step aborts the flow, and returns the exit status."""
    args = main_args(description)
    token = os.environ.get(args.token_env)
    if not token:
        print(f"{name}: set {args.token_env} to the bearer token", file=sys.stderr)
        return 2
    replay = Replay(name, args.base_url, token, headers)
    try:
        run(replay)
    except Abort:
        pass
    return replay.finish()


def main_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--base-url", required=True, help="SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2")
    parser.add_argument(
        "--token-env",
        default="SCIM_TOKEN",
        help="environment variable holding the bearer token (default SCIM_TOKEN)",
    )
    return parser.parse_args()
