#!/usr/bin/env python3
"""Builds the gate benchmark repository in DIR (argv[1]): the example plan plus 200 extra
acceptance criteria (100 thresholds over JSON metrics, 100 test selections), a JUnit file
with 50,000 test cases (500 suites x 100; argv[2] sets another count, a multiple of 100), the
JSON metrics, and the records for v1.0.0."""
import json
import os
import sys

d = sys.argv[1]
cases = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
suites = cases // 100
here = os.path.dirname(os.path.abspath(__file__))
plan = open(os.path.join(here, "..", "plan-templates", "example.toml"), encoding="utf-8").read()
plan = plan.replace('path = "target/nextest/ci/junit.xml"', 'path = "evidence/junit.xml"')
plan = plan.replace('min_cases = 300', f'min_cases = {cases}')
plan = plan.replace('path = "reports/', 'path = "evidence/').replace('path = "perf/summary.json"', 'path = "evidence/k6.json"')
extra = ['\n[evidence.perf]\nkind = "json"\npath = "evidence/perf.json"\nmax_age = "24h"']
for i in range(100):
    extra.append(f'metrics.m{i} = {{ pointer = "/metrics/m{i}", unit = "ms" }}')
for i in range(100):
    extra.append(f'\n[acceptance.criteria.perf-{i}]\ncategory = "performance"\nkind = "threshold"\nmetric = "perf.m{i}"\nop = "<="\ntarget = "{200 + i}ms"\nwarn_at = "{190 + i}ms"')
for i in range(100):
    extra.append(f'\n[acceptance.criteria.suite-{i}]\ncategory = "major_functions"\nkind = "tests"\nevidence = "unit"\nselect = ["suite_{i * 5}::*", "suite_{i * 5 + 1}::case_1*"]')
os.makedirs(f"{d}/evidence", exist_ok=True)
os.makedirs(f"{d}/.support-plan/approvals", exist_ok=True)
os.makedirs(f"{d}/.support-plan/attestations", exist_ok=True)
open(f"{d}/support-plan.toml", "w").write(plan + "\n".join(extra) + "\n")
open(f"{d}/.support-plan/approvals/1.0.0.toml", "w").write(
    'version = "1.0.0"\nchange_ticket = { id = "CHG0012345", opened = 2026-11-01 }\n\n[steps.review-board]\ndecision = "approved"\napproved_by = ["alice", "dave"]\ndate = 2026-11-24\n')
for name in ["prr-1.0.0", "oncall-1.0.0"]:
    open(f"{d}/.support-plan/attestations/{name}.toml", "w").write('by = "carol"\ndate = 2026-11-23\nstatement = "Signed."\n')
with open(f"{d}/evidence/junit.xml", "w") as f:
    f.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="nextest-run" tests="{cases}" failures="0" errors="0">\n')
    for s in range(suites):
        f.write(f'  <testsuite name="suite_{s}" tests="100" failures="0" errors="0">\n')
        for c in range(100):
            f.write(f'    <testcase name="suite_{s}::case_{c}" classname="bench" time="0.001"/>\n')
        f.write('  </testsuite>\n')
    f.write('</testsuites>\n')
os.makedirs(f"{d}/e2e/results", exist_ok=True)
with open(f"{d}/e2e/results/run.xml", "w") as f:
    f.write('<testsuites><testsuite name="e2e">' + "".join(f'<testcase name="{n}" classname="e2e"/>' for n in
            ["checkout::pays", "checkout::refunds", "invoice::generate_monthly"]) + '</testsuite></testsuites>\n')
json.dump({"metrics": {f"m{i}": 150.0 + i for i in range(100)}}, open(f"{d}/evidence/perf.json", "w"))
json.dump({"metrics": {"http_req_duration": {"p(95)": 211.0}, "http_reqs": {"rate": 520.0}}}, open(f"{d}/evidence/k6.json", "w"))
json.dump({"mismatch_ratio": 0.00005}, open(f"{d}/evidence/reconciliation.json", "w"))
json.dump({"availability": 0.9995, "errors_per_10k": 3.1}, open(f"{d}/evidence/synthetic-7d.json", "w"))
json.dump({"duration_seconds": 14400}, open(f"{d}/evidence/invoice-dry-run.json", "w"))
json.dump({"totalMonthlyCost": 3100.5}, open(f"{d}/evidence/infracost.json", "w"))
json.dump({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "scan"}}, "results": []}]}, open(f"{d}/evidence/scan.sarif", "w"))
