"""Turns a checker's saved output into the one summary line run.sh prints, plus the details of
every check that did not pass. Exit code 0 when the suite passed, 1 when a check failed (or the
checker exited non-zero), 2 when the output cannot be read or is incomplete (the checker
crashed or stopped early: see its log). Every mode fails on what it does not understand.

    python summarize.py scim2-tester OUTPUT_FILE --exit-code N
        output of `scim ... test --verbose`
    python summarize.py scim-sanity JSON_FILE --exit-code N [--stderr FILE]
        stdout of `scim-sanity probe ... --json-output` (and its stderr)
    python summarize.py replay OUTPUT_FILE --exit-code N --script replay/X_flow.py
        output of replay/X_flow.py; the script is read to count the steps it defines
    python summarize.py serverlog SCIMD_LOG --suites "SUITE ..."
        scimd's log, written with SCIMD_LOG_FORMAT=json, of a run of those suites
    python summarize.py selftest
        feeds every mode doctored inputs and checks that each fails as it must

`--exit-code` is the checker's exit status; only 0 passes (each checker exits 0 exactly when
every check passed: scim2-cli's `test` on all SUCCESS, scim-sanity when nothing failed or
errored, a replay when every step passed).
"""

from __future__ import annotations

import io
import json
import re
import sys
from contextlib import redirect_stdout
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ---- what the pinned checkers do when scimd passes ------------------------------------------
# These belong to the versions pinned in requirements.txt (PINNED below; `selftest` fails when
# requirements.txt pins others, so that a bump makes someone look at these numbers again).
PINNED = {"scim2-tester": "0.5.2", "scim-sanity": "0.7.4"}
# The number of checks scim2-tester 0.5.2 runs against scimd (discovery, then Users and Groups).
# Fewer means it stopped early; more is fine (scimd published more to check).
SCIM2_TESTER_CHECKS = 135
# The number of results scim-sanity 0.7.4's strict probe reports against scimd.
SCIM_SANITY_RESULTS = 31
# The probes scim-sanity may skip, by name: the Agent extension (draft-abbey-scim-agent-extension)
# that scimd does not advertise (README.md, "scim-sanity"). Any other skip fails the suite. An
# allowed skip that is no longer skipped is only reported (its own status then counts).
SCIM_SANITY_ALLOWED_SKIPS = frozenset(
    {"Agent CRUD Lifecycle", "AgenticApplication CRUD Lifecycle", "Agent Rapid Lifecycle"}
)
# The fewest requests scimd must have logged for each suite; a passing run makes about
# scim2-tester 837, scim-sanity 29, entra-flow 105, okta-flow 60 (plus the /healthz polls).
# Below the sum, the log is not the log of the suites (another format, another server).
MIN_REQUESTS = {"scim2-tester": 500, "scim-sanity": 20, "entra-flow": 80, "okta-flow": 40}

SHOW = 20  # at most this many offending lines are shown
CUT = 2000  # characters of one reason or line


def cut(text: str, limit: int = CUT) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} chars)"


class Summary:
    """The headline (the summary line run.sh prints after `conformance <backend> `), the problems
    appended to it, and the detail lines under it; `code` is the exit code."""

    def __init__(self) -> None:
        self.headline = ""
        self.problems: list[str] = []
        self.details: list[str] = []
        self.code = 0

    def fail(self, code: int, problem: str | None = None, details: list[str] | None = None) -> None:
        self.code = max(self.code, code)
        if problem:
            self.problems.append(problem)
        for line in (details or [])[:SHOW]:
            self.details.append(f"    {cut(line)}")
        if details and len(details) > SHOW:
            self.details.append(f"    … and {len(details) - SHOW} more")

    def exit_code(self, rc: int) -> None:
        if rc == 124:
            self.fail(1, "killed at the suite's time limit (exit status 124)")
        elif rc != 0:
            self.fail(1, f"exited with status {rc}")

    def text(self) -> str:
        head = self.headline + "".join(f"; {p}" for p in self.problems)
        return "\n".join([head, *self.details])


# ---- scim2-tester -------------------------------------------------------------------------
# scim2-tester's statuses (scim2_tester.Status). Only SUCCESS counts as a pass: the issue's
# definition of done is "scim2-tester reports every check SUCCESS".
TESTER_STATUSES = ("SUCCESS", "COMPLIANT", "ACCEPTABLE", "DEVIATION", "ERROR", "CRITICAL", "SKIPPED")
TESTER_LINE = re.compile(rf"^({'|'.join(TESTER_STATUSES)}) (.*)$")
# scim2-cli's `test` prints this once, after scim2-tester has run every check and before the
# first result.
TESTER_HEADER = re.compile(r"^Performing a SCIM compliance check on \S+ \.\.\.$")
TRACEBACK = "Traceback (most recent call last):"


def scim2_tester(text: str, rc: int) -> Summary:
    """The output is: the header line, then per check `STATUS title` and, indented by two
    spaces, its reason and data (scim2-cli's test.py). A reason with newlines continues on
    unindented lines; that is accepted under a check that did not succeed (it fails anyway) and
    nowhere else. Anything else (a traceback, a line before the header) is not understood."""
    s = Summary()
    checks: list[tuple[str, str, list[str]]] = []
    header = False
    unparsed: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = TESTER_LINE.match(line)
        if line.startswith(TRACEBACK):
            unparsed.append(f"line {number}: {line}")
        elif TESTER_HEADER.match(line) and not header and not checks:
            header = True
        elif match and header:
            checks.append((match.group(1), match.group(2), []))
        elif checks and line[0] in " \t":
            checks[-1][2].append(line.strip())
        elif checks and checks[-1][0] != "SUCCESS":
            checks[-1][2].append(line.strip())
        else:
            unparsed.append(f"line {number}: {line}")
    if not checks:
        s.headline = "scim2-tester: no check results (the checker failed to run)"
        s.fail(2, None, [line for line in text.splitlines() if line.strip()][-SHOW:])
        s.exit_code(rc)
        return s
    ok = sum(1 for status, _, _ in checks if status == "SUCCESS")
    others: dict[str, int] = {}
    for status, _, _ in checks:
        if status != "SUCCESS":
            others[status] = others.get(status, 0) + 1
    extra = "".join(f", {n} {status}" for status, n in sorted(others.items()))
    s.headline = f"scim2-tester: {ok}/{len(checks)} SUCCESS{extra}"
    if ok != len(checks):
        s.fail(1)
    for status, title, reason in checks:
        if status != "SUCCESS":
            s.details.append(f"    {status} {title}")
            s.details.extend(f"        {cut(line)}" for line in reason)
    if unparsed:
        s.fail(2, f"{len(unparsed)} output lines not understood (did it crash?)", unparsed)
    if len(checks) < SCIM2_TESTER_CHECKS:
        s.fail(
            2,
            f"only {len(checks)} checks, scim2-tester {PINNED['scim2-tester']} runs {SCIM2_TESTER_CHECKS}",
        )
    s.exit_code(rc)
    return s


# ---- scim-sanity --------------------------------------------------------------------------
SANITY_STATUSES = {"pass": "passed", "fail": "failed", "warn": "warnings", "skip": "skipped", "error": "errors"}


def scim_sanity(text: str, rc: int, stderr: str = "") -> Summary:
    """stdout must be exactly the JSON report; its summary must agree with its results."""
    s = Summary()
    try:
        report = json.loads(text)
    except json.JSONDecodeError as exc:
        report = exc
    results = report.get("results") if isinstance(report, dict) else None
    summary = report.get("summary") if isinstance(report, dict) else None
    if (
        not isinstance(results, list)
        or not isinstance(summary, dict)
        or not all(isinstance(r, dict) for r in results)
    ):
        s.headline = "scim-sanity: no JSON report (the checker failed to run)"
        why = f"stdout is not JSON: {report}" if isinstance(report, Exception) else "no summary or results"
        s.fail(2, None, [why, *stderr.splitlines()[-SHOW:]])
        s.exit_code(rc)
        return s
    mode = report.get("mode", "?")
    counts = {key: summary.get(key) for key in ("total", *SANITY_STATUSES.values())}
    s.headline = (
        f"scim-sanity ({mode}): {counts['passed']}/{counts['total']} passed, "
        f"{counts['failed']} failed, {counts['errors']} errors, "
        f"{counts['warnings']} warnings, {counts['skipped']} skipped"
    )
    recount = {key: 0 for key in SANITY_STATUSES.values()}
    recount["total"] = len(results)
    unknown = []
    skipped = {}
    for result in results:
        status = result.get("status")
        where = f"[{result.get('phase', '')}] {result.get('name')}: {result.get('message', '')}"
        if status not in SANITY_STATUSES:
            unknown.append(f"status {status!r}: {where}")
            continue
        recount[SANITY_STATUSES[status]] += 1
        if status == "skip":
            skipped[result.get("name")] = where
        if status in ("fail", "error", "warn"):
            s.details.append(f"    {status.upper()} {cut(where)}")
            if result.get("details") and status != "warn":
                s.details.append(f"        {cut(str(result['details']))}")
        if status in ("fail", "error"):
            s.fail(1)
    if unknown:
        s.fail(2, f"{len(unknown)} results with an unknown status", unknown)
    if recount != counts:
        s.fail(2, "its summary does not match its results", [f"summary {counts}, results {recount}"])
    if mode != "strict":
        s.fail(1, "not run in strict mode")
    not_allowed = sorted(name for name in skipped if name not in SCIM_SANITY_ALLOWED_SKIPS)
    if not_allowed:
        s.fail(
            1,
            f"{len(not_allowed)} skipped probes that are not allowed",
            [f"SKIP {skipped[name]}" for name in not_allowed],
        )
    for name in sorted(SCIM_SANITY_ALLOWED_SKIPS - skipped.keys()):
        s.details.append(f"    note: {name!r} may be skipped but was not (remove it from SCIM_SANITY_ALLOWED_SKIPS?)")
    if len(results) < SCIM_SANITY_RESULTS:
        s.fail(
            2,
            f"only {len(results)} results, scim-sanity {PINNED['scim-sanity']} reports {SCIM_SANITY_RESULTS}",
        )
    if stderr.strip():
        s.fail(2, "it wrote to stderr", stderr.splitlines())
    s.exit_code(rc)
    return s


# ---- replays ------------------------------------------------------------------------------
# What replay/harness.py prints: per step `ok   N. title (T ms)`, `FAIL N. title` or
# `SKIP N. title (not run: ...)`; under a step, detail lines indented by five spaces (`why:`,
# `note:`, `>` and `<`); last, `<name>: P/N steps passed`.
REPLAY_STEP = re.compile(r"^(ok  |FAIL|SKIP) (\d+)\. \S")
REPLAY_DETAIL = "     "
REPLAY_SUMMARY = re.compile(r"^([\w-]+): (\d+)/(\d+) steps passed$")
STEP_DECORATOR = re.compile(r"^\s*@\w+\.step\(", re.MULTILINE)


def defined_steps(script: str) -> int:
    """The steps a replay script defines: its `@r.step(...)` decorators (each runs once)."""
    return len(STEP_DECORATOR.findall(script))


def replay(text: str, rc: int, script: str) -> Summary:
    s = Summary()
    expected = defined_steps(script)
    steps: list[tuple[str, int]] = []
    summaries: list[tuple[int, re.Match]] = []
    unparsed: list[str] = []
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        step = REPLAY_STEP.match(line)
        total = REPLAY_SUMMARY.match(line)
        if step:
            steps.append((step.group(1).strip(), int(step.group(2))))
            if step.group(1) != "ok  ":
                s.details.append(f"    {cut(line)}")
        elif line.startswith(REPLAY_DETAIL) and steps and not summaries:
            if line.startswith("     why: "):
                s.details.append(f"        {cut(line.strip())}")
        elif total:
            summaries.append((number, total))
        else:
            unparsed.append(f"line {number}: {line}")
    last = max((n for n, line in enumerate(lines, 1) if line.strip()), default=0)
    if len(summaries) != 1 or summaries[0][0] != last:
        s.headline = "replay: no summary line at the end (the replay crashed)"
        s.fail(2, None, unparsed or [line for line in lines if line.strip()][-SHOW:])
        s.exit_code(rc)
        return s
    match = summaries[0][1]
    passed, total = int(match.group(2)), int(match.group(3))
    s.headline = match.group(0)
    if passed != total:
        s.fail(1)
    if unparsed:
        s.fail(2, f"{len(unparsed)} output lines not understood (did it crash?)", unparsed)
    ok = sum(1 for kind, _ in steps if kind == "ok")
    numbers = [n for _, n in steps]
    if numbers != list(range(1, len(steps) + 1)) or total != len(steps) or passed != ok:
        s.fail(
            2,
            "its summary does not match its step lines",
            [f"{len(steps)} step lines numbered {numbers[:3]}…{numbers[-3:]}, {ok} ok; summary {passed}/{total}"],
        )
    if total != expected:
        s.fail(2, f"{total} steps, but the script defines {expected}")
    s.exit_code(rc)
    return s


# ---- scimd's log --------------------------------------------------------------------------
# scimd's root span logs one event per request (src/api/http/trace.rs, target scimd::request): "request completed" (info)
# or, for a status >= 500, "request failed" (error), with the status as the field `status`.
REQUEST_TARGET = "scimd::request"  # src/api/http/trace.rs REQUEST_TARGET


def serverlog(text: str, suites: list[str]) -> Summary:
    """Counts the statuses of the request lines of a JSON log (SCIMD_LOG_FORMAT=json). Fails on
    a 5xx, on a panic (Rust's panic hook writes `thread '…' panicked at …` to stderr as plain
    text), on a line that starts like JSON but is not, and on fewer request lines than the
    suites make."""
    s = Summary()
    statuses: dict[int, int] = {}
    errors: list[str] = []
    panics: list[str] = []
    broken: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.lstrip().startswith("{"):
            if "panicked" in line:
                panics.append(f"line {number}: {line}")
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            broken.append(f"line {number}: {line}")
            continue
        fields = event.get("fields") if isinstance(event, dict) else None
        if not isinstance(fields, dict):
            broken.append(f"line {number}: {line}")
            continue
        if "panicked" in str(fields.get("message", "")):
            panics.append(f"line {number}: {line}")
        status = fields.get("status")
        if event.get("target") != REQUEST_TARGET or type(status) is not int:
            continue
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 500:
            span = event.get("span") or {}
            errors.append(
                f"{status} {span.get('http.method')} {span.get('http.target')} "
                f"request_id={span.get('request_id')} tenant={span.get('tenant')} (line {number})"
            )
    requests = sum(statuses.values())
    floor = max(1, sum(MIN_REQUESTS[suite] for suite in suites))
    histogram = " ".join(f"{status}:{n}" for status, n in sorted(statuses.items()))
    s.headline = (
        f"scimd log: {requests} requests, {len(errors)} 5xx, {len(panics)} panics; "
        f"statuses {histogram or '-'}"
    )
    if errors:
        s.fail(1, None, errors)
    if panics:
        s.fail(1, None, panics)
    if broken:
        s.fail(2, f"{len(broken)} lines that are not JSON events", broken)
    if requests < floor:
        s.fail(
            2,
            f"fewer than the {floor} requests the suites make (is it a JSON log, SCIMD_LOG_FORMAT=json?)",
        )
    return s


# ---- selftest -----------------------------------------------------------------------------


def selftest() -> int:
    """Doctored inputs for every mode: each must give the exit code noted, and the headline
    must contain the text noted."""
    header = "Performing a SCIM compliance check on http://127.0.0.1:1/scim/v2/ ..."
    good_checks = []
    for i in range(SCIM2_TESTER_CHECKS):
        good_checks.append(f"SUCCESS check_{i}")
        if i % 3 == 0:
            good_checks += ["  POST /X correctly returned 405 Method Not Allowed", "  <Response [405 Method Not Allowed]>"]
    tester_ok = "\n".join([header, *good_checks]) + "\n"
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "/venv/bin/scim", line 8, in <module>\n'
        "    sys.exit(cli())\n"
        "httpx.ReadTimeout: timed out\n"
    )
    failed_check = tester_ok.replace(
        "SUCCESS check_7\n", "ERROR check_7\n  1 validation error for User\nuserName\n  Field required\n"
    )

    def sanity_report(**change) -> dict:
        results = [{"status": "pass", "phase": "Phase 1", "name": f"probe {i}"} for i in range(28)]
        results += [{"status": "skip", "phase": "Phase 4", "name": name} for name in sorted(SCIM_SANITY_ALLOWED_SKIPS)]
        for index, result in change.get("results", {}).items():
            results[index] = {**results[index], **result}
        results = results[: change.get("keep", len(results))]
        summary = {"total": len(results)}
        for status, key in SANITY_STATUSES.items():
            summary[key] = sum(1 for r in results if r["status"] == status)
        summary.update(change.get("summary", {}))
        return {"mode": change.get("mode", "strict"), "summary": summary, "results": results}

    sanity_ok = json.dumps(sanity_report(), indent=2)
    replay_script = "def run(r):\n" + "".join(f"    @r.step('step {i}')\n    def _():\n        pass\n\n" for i in range(3))
    replay_ok = "ok   1. one (3 ms)\nok   2. two (1 ms)\n     note: a note\nok   3. three (2 ms)\nx-flow: 3/3 steps passed\n"
    replay_failed = (
        "ok   1. one (3 ms)\nFAIL 2. two\n     why: expected HTTP 200, got 500\n     > GET http://x/Users\n"
        "     < 500 Internal Server Error\nok   3. three (2 ms)\nx-flow: 2/3 steps passed\n"
    )

    def request(status: int) -> str:
        message = "request failed" if status >= 500 else "request completed"
        return json.dumps(
            {
                "level": "ERROR" if status >= 500 else "INFO",
                "fields": {"message": message, "status": status},
                "target": REQUEST_TARGET,
                "span": {"http.method": "GET", "http.target": "/scim/v2/Users", "request_id": "r"},
            }
        )

    floor = MIN_REQUESTS["okta-flow"]
    log_ok = "\n".join(
        [
            json.dumps({"level": "INFO", "fields": {"message": "scimd listening"}, "target": "scimd::commands"}),
            "SCIM base URL: http://127.0.0.1:1/scim/v2",
            *[request(200 if i % 2 else 404) for i in range(floor)],
        ]
    )
    text_log = "\n".join(
        f"2026-01-01T00:00:00Z  INFO HTTP request{{http.method=GET}}: request completed status={status}"
        for status in [200] * 500 + [500]
    )
    panic = "thread 'actix-rt|system:0|arbiter:0' panicked at src/api/users.rs:10:5:\nboom\n"

    cases = [
        # (name, function, arguments, expected exit code, text the headline must contain)
        ("tester: all SUCCESS", scim2_tester, (tester_ok, 0), 0, f"{SCIM2_TESTER_CHECKS}/{SCIM2_TESTER_CHECKS} SUCCESS"),
        ("tester: truncated after 100 checks", scim2_tester,
         ("\n".join([header, *[f"SUCCESS c{i}" for i in range(100)]]), 0), 2, "only 100 checks"),
        ("tester: traceback appended", scim2_tester, (tester_ok + traceback, 0), 2, "not understood"),
        ("tester: traceback appended, exit 1", scim2_tester, (tester_ok + traceback, 1), 2, "exited with status 1"),
        ("tester: stray line after a SUCCESS", scim2_tester, (tester_ok + "some warning\n", 0), 2, "1 output lines not understood"),
        ("tester: line before the header", scim2_tester, ("DeprecationWarning: x\n" + tester_ok, 0), 2, "not understood"),
        ("tester: an ERROR with a multi-line reason", scim2_tester, (failed_check, 1), 1, f"{SCIM2_TESTER_CHECKS - 1}/{SCIM2_TESTER_CHECKS} SUCCESS, 1 ERROR"),
        ("tester: all SUCCESS but exit 3", scim2_tester, (tester_ok, 3), 1, "exited with status 3"),
        ("tester: all SUCCESS but timed out", scim2_tester, (tester_ok, 124), 1, "time limit"),
        ("tester: only a traceback", scim2_tester, (traceback, 1), 2, "no check results"),
        ("tester: empty", scim2_tester, ("", 0), 2, "no check results"),
        ("sanity: 3 allowed skips", scim_sanity, (sanity_ok, 0), 0, "28/31 passed, 0 failed, 0 errors, 0 warnings, 3 skipped"),
        ("sanity: one more skip", scim_sanity,
         (json.dumps(sanity_report(results={3: {"status": "skip", "name": "POST /Users"}})), 0), 1, "1 skipped probes that are not allowed"),
        ("sanity: an allowed skip ran", scim_sanity, (json.dumps(sanity_report(results={28: {"status": "pass"}})), 0), 0, "29/31 passed"),
        ("sanity: a failure", scim_sanity, (json.dumps(sanity_report(results={0: {"status": "fail"}})), 1), 1, "1 failed"),
        ("sanity: compat mode", scim_sanity, (json.dumps(sanity_report(mode="compat")), 0), 1, "not run in strict mode"),
        ("sanity: summary disagrees", scim_sanity, (json.dumps(sanity_report(summary={"failed": 0, "passed": 31, "skipped": 0})), 0), 2, "does not match"),
        ("sanity: unknown status", scim_sanity, (json.dumps(sanity_report(results={0: {"status": "weird"}})), 0), 2, "unknown status"),
        ("sanity: truncated report", scim_sanity, (json.dumps(sanity_report(keep=20)), 0), 2, "only 20 results"),
        ("sanity: not JSON", scim_sanity, ("Error: connection refused\n" + sanity_ok, 1), 2, "no JSON report"),
        ("sanity: traceback on stderr", scim_sanity, (sanity_ok, 0, traceback), 2, "wrote to stderr"),
        ("sanity: passes but exit 1", scim_sanity, (sanity_ok, 1), 1, "exited with status 1"),
        ("replay: all steps", replay, (replay_ok, 0, replay_script), 0, "x-flow: 3/3 steps passed"),
        ("replay: a failed step", replay, (replay_failed, 1, replay_script), 1, "2/3 steps passed"),
        ("replay: N/N, fewer than the script defines", replay,
         ("ok   1. one (3 ms)\nok   2. two (1 ms)\nx-flow: 2/2 steps passed\n", 0, replay_script), 2, "the script defines 3"),
        ("replay: traceback after the summary", replay, (replay_ok + traceback, 1, replay_script), 2, "no summary line"),
        ("replay: traceback, no summary", replay, ("ok   1. one (3 ms)\n" + traceback, 1, replay_script), 2, "no summary line"),
        ("replay: stray line", replay, (replay_ok.replace("ok   3.", "hello\nok   3."), 0, replay_script), 2, "not understood"),
        ("replay: summary disagrees with the steps", replay,
         (replay_ok.replace("ok   2. two (1 ms)\n", "ok   4. two (1 ms)\n"), 0, replay_script), 2, "does not match"),
        ("replay: passes but exit 1", replay, (replay_ok, 1, replay_script), 1, "exited with status 1"),
        ("serverlog: clean", serverlog, (log_ok, ["okta-flow"]), 0, f"{floor} requests, 0 5xx, 0 panics; statuses 200:{floor // 2} 404:{floor // 2}"),
        ("serverlog: one 500", serverlog, (log_ok + "\n" + request(500), ["okta-flow"]), 1, "1 5xx"),
        ("serverlog: one 503", serverlog, (log_ok.replace('"status": 404', '"status": 503', 1), ["okta-flow"]), 1, "1 5xx"),
        ("serverlog: a panic", serverlog, (log_ok + "\n" + panic, ["okta-flow"]), 1, "1 panics"),
        ("serverlog: text format, no request lines", serverlog, (text_log, ["okta-flow"]), 2, "0 requests"),
        ("serverlog: too few requests", serverlog, (log_ok, ["okta-flow", "scim2-tester"]), 2, "fewer than the"),
        ("serverlog: a cut JSON line", serverlog, (log_ok + "\n" + request(200)[:40], ["okta-flow"]), 2, "not JSON events"),
    ]
    failures = []
    for name, function, args, code, expect in cases:
        with redirect_stdout(io.StringIO()):
            summary = function(*args)
        headline = summary.text().split("\n")[0]
        if summary.code != code or expect not in headline:
            failures.append(f"{name}: exit {summary.code} (want {code}), headline {headline!r} (want {expect!r})")
    # The replays' step counts as this module counts them.
    for script in ("entra_flow.py", "okta_flow.py"):
        found = defined_steps((HERE / "replay" / script).read_text(encoding="utf-8"))
        if found < 10:
            failures.append(f"replay/{script}: only {found} @r.step decorators found")
    # The constants above belong to the pins.
    requirements = (HERE / "requirements.txt").read_text(encoding="utf-8")
    for package, version in PINNED.items():
        if not re.search(rf"^{re.escape(package)}=={re.escape(version)}$", requirements, re.MULTILINE):
            failures.append(
                f"requirements.txt does not pin {package}=={version}: check SCIM2_TESTER_CHECKS, "
                "SCIM_SANITY_RESULTS and SCIM_SANITY_ALLOWED_SKIPS against the new version, then PINNED"
            )
    total = len(cases) + 2 + len(PINNED)
    if failures:
        print(f"summarize.py selftest: {len(failures)} of {total} cases FAILED")
        for failure in failures:
            print(f"    {failure}")
        return 1
    print(f"summarize.py selftest: {total}/{total} cases passed")
    return 0


# ---- command line -------------------------------------------------------------------------


def usage(problem: str) -> SystemExit:
    print(f"summarize.py: {problem}\n{__doc__}", file=sys.stderr)
    return SystemExit(2)


def option(args: list[str], name: str, required: bool = True) -> str | None:
    if name in args:
        index = args.index(name)
        if index + 1 < len(args):
            value = args[index + 1]
            del args[index : index + 2]
            return value
    if required:
        raise usage(f"{name} is required")
    return None


def read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8", errors="replace")


def main() -> int:
    args = sys.argv[1:]
    mode = args.pop(0) if args else ""
    if mode == "selftest" and not args:
        return selftest()
    try:
        if mode == "scim2-tester":
            rc = int(option(args, "--exit-code"))
            run = lambda path: scim2_tester(read(path), rc)  # noqa: E731
        elif mode == "scim-sanity":
            rc = int(option(args, "--exit-code"))
            stderr = option(args, "--stderr", required=False)
            run = lambda path: scim_sanity(read(path), rc, read(stderr) if stderr else "")  # noqa: E731
        elif mode == "replay":
            rc = int(option(args, "--exit-code"))
            script = read(option(args, "--script"))
            run = lambda path: replay(read(path), rc, script)  # noqa: E731
        elif mode == "serverlog":
            suites = option(args, "--suites").split()
            unknown = [suite for suite in suites if suite not in MIN_REQUESTS]
            if unknown:
                raise usage(f"unknown suites {unknown}")
            run = lambda path: serverlog(read(path), suites)  # noqa: E731
        else:
            raise usage(f"unknown mode {mode!r}")
    except ValueError:
        raise usage("--exit-code takes a number") from None
    if len(args) != 1:
        raise usage(f"one file expected, got {args}")
    summary = run(args[0])
    print(summary.text())
    return summary.code


if __name__ == "__main__":
    sys.exit(main())
