#!/usr/bin/env python3
"""Compares a conformance run with tests/conformance/expected-pass.txt.

    check.py OUTDIR/summary.json tests/conformance/expected-pass.txt

Reads every test's status from OUTDIR/robot/<group>/output.xml (Robot Framework's own
results), prints the passes per group and origin, and exits 1 when a test listed in the
expected file did not pass. With ETSI_UPDATE_EXPECTED=1 it writes the tests that passed into
the expected file instead (after a change that makes more pass).
"""

import json
import os
import sys
from pathlib import Path

from robot.api import ExecutionResult, ResultVisitor


class Collect(ResultVisitor):
    def __init__(self, group):
        self.group = group
        self.tests = {}

    def visit_test(self, test):
        # The suite's file and the test's own name: a few ids repeat within a group.
        self.tests[f"{self.group}/{test.parent.name}/{test.name}"] = test.status


def main():
    summary_path, expected_path = Path(sys.argv[1]), Path(sys.argv[2])
    out = summary_path.parent
    summary = json.loads(summary_path.read_text())
    status = {}
    for xml in sorted((out / "robot").glob("*/output.xml")):
        c = Collect(xml.parent.name)
        ExecutionResult(str(xml)).visit(c)
        status.update(c.tests)
    passed = sorted(t for t, s in status.items() if s == "PASS")
    print(f"conformance: {len(passed)} of {len(status)} tests passed")
    for g in summary.get("groups", []):
        print(f"  {g['name']:<13} {g['passed']:>4} / {g['total']:<4}")
    for origin, t in summary.get("by_origin", {}).items():
        share = 100.0 * t["passed"] / t["total"] if t["total"] else 0.0
        print(f"  origin {origin:<13} {t['passed']:>4} / {t['total']:<4} ({share:.1f}%)")
    if os.environ.get("ETSI_UPDATE_EXPECTED") == "1":
        expected_path.write_text(
            "# Tests of the ETSI NGSI-LD suite that pass against `citytwin broker` (group/file/test);\n"
            "# `make conformance` fails when one of them does not. Regenerate with\n"
            "# ETSI_UPDATE_EXPECTED=1 make conformance after a change that makes more pass.\n"
            + "".join(f"{t}\n" for t in passed)
        )
        print(f"conformance: wrote {len(passed)} expected passes to {expected_path}")
        return 0
    expected = {
        line.strip()
        for line in expected_path.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    } if expected_path.exists() else set()
    lost = sorted(t for t in expected if status.get(t) != "PASS")
    gained = sorted(set(passed) - expected)
    if gained:
        print(f"conformance: {len(gained)} tests pass that expected-pass.txt does not list yet")
    if lost:
        print(f"conformance: {len(lost)} expected passes FAILED:")
        for t in lost:
            print(f"  {t}: {status.get(t, 'not run')}")
        return 1
    print(f"conformance: all {len(expected)} expected passes pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
