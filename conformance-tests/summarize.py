"""Turns a checker's saved output into the one summary line run.sh prints, plus the details of
every check that did not pass. Exit code 0 when the suite passed, 1 when a check failed, 2
when the output cannot be read (the checker crashed: see its log).

    python summarize.py scim2-tester OUTPUT_FILE    # output of `scim ... test`
    python summarize.py scim-sanity JSON_FILE       # output of `scim-sanity probe ... --json-output`
    python summarize.py replay OUTPUT_FILE          # output of replay/*_flow.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

# scim2-tester's statuses (scim2_tester.Status). Only SUCCESS counts as a pass: the issue's
# definition of done is "scim2-tester reports every check SUCCESS".
TESTER_STATUSES = ("SUCCESS", "COMPLIANT", "ACCEPTABLE", "DEVIATION", "ERROR", "CRITICAL", "SKIPPED")
TESTER_LINE = re.compile(rf"^({'|'.join(TESTER_STATUSES)}) (.*)$")


def scim2_tester(text: str) -> int:
    checks: list[tuple[str, str, list[str]]] = []
    for line in text.splitlines():
        match = TESTER_LINE.match(line)
        if match:
            checks.append((match.group(1), match.group(2), []))
        elif checks and line.strip() and not line.startswith("Performing a SCIM compliance check"):
            # the reason: indented, and continued on unindented lines when it has newlines
            checks[-1][2].append(line.strip())
    if not checks:
        print("scim2-tester: no check results (the checker failed to run; see its log)")
        return 2
    ok = sum(1 for status, _, _ in checks if status == "SUCCESS")
    others: dict[str, int] = {}
    for status, _, _ in checks:
        if status != "SUCCESS":
            others[status] = others.get(status, 0) + 1
    extra = "".join(f", {n} {status}" for status, n in sorted(others.items()))
    print(f"scim2-tester: {ok}/{len(checks)} SUCCESS{extra}")
    for status, title, reason in checks:
        if status != "SUCCESS":
            print(f"    {status} {title}")
            for line in reason:
                print(f"        {line[:2000]}")
    return 0 if ok == len(checks) else 1


def scim_sanity(text: str) -> int:
    # The report is the JSON document on stdout; anything before its first brace is noise.
    start = text.find("{")
    try:
        report = json.loads(text[start:]) if start >= 0 else None
    except json.JSONDecodeError:
        report = None
    if not isinstance(report, dict) or "summary" not in report:
        print("scim-sanity: no JSON report (the checker failed to run; see its log)")
        return 2
    summary = report["summary"]
    mode = report.get("mode", "?")
    print(
        f"scim-sanity ({mode}): {summary['passed']}/{summary['total']} passed, "
        f"{summary['failed']} failed, {summary['errors']} errors, "
        f"{summary['warnings']} warnings, {summary['skipped']} skipped"
    )
    bad = 0
    for result in report.get("results", []):
        status = result.get("status")
        if status in ("fail", "error"):
            bad += 1
        if status in ("fail", "error", "warn"):
            print(f"    {status.upper()} [{result.get('phase', '')}] {result.get('name')}: {result.get('message', '')}")
            if result.get("details") and status != "warn":
                print(f"        {str(result['details'])[:2000]}")
    if mode != "strict":
        print("    the probe did not run in strict mode")
        return 1
    return 0 if bad == 0 and summary["failed"] == 0 and summary["errors"] == 0 else 1


def replay(text: str) -> int:
    lines = [line for line in text.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    match = re.match(r"^[\w-]+: (\d+)/(\d+) steps passed$", last)
    if not match:
        print("replay: no summary line (the replay crashed; see its log)")
        return 2
    print(last)
    for line in lines:
        if line.startswith(("FAIL ", "SKIP ")):
            print(f"    {line}")
        elif line.startswith("     why: "):
            print(f"        {line.strip()[:2000]}")
    return 0 if match.group(1) == match.group(2) else 1


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in ("scim2-tester", "scim-sanity", "replay"):
        print(__doc__, file=sys.stderr)
        return 2
    text = Path(sys.argv[2]).read_text(encoding="utf-8", errors="replace")
    return {"scim2-tester": scim2_tester, "scim-sanity": scim_sanity, "replay": replay}[sys.argv[1]](text)


if __name__ == "__main__":
    sys.exit(main())
