#!/usr/bin/env python3
"""Every command under a 512 MiB address-space limit (RLIMIT_AS, what `ulimit -v` sets):
each must finish, or fail with a clear message and a documented exit code; never abort,
never die on a signal, never print "memory allocation … failed".

    python3 tests/memory_limit.py PLAN_BINARY [REPO]
    QUICK=1 python3 tests/memory_limit.py PLAN_BINARY      # smaller inputs (.ci/run)

REPO is a repository made by benches/gen_monorepo.py (a small one is generated when it is
not given). The largest evidence files the README allows are written to a temp folder: a
JUnit file of 2,000,000 test cases (streamed; about 143 MiB) and, for every format read whole,
a file just under that format's size limit. Prints one row per run with its exit code and
peak RSS; exits 1 when any run breaks the rule. Run by .ci/run (it needs a limit, so it is not
a cargo test)."""

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

LIMIT = 512 * 1024 * 1024
QUICK = os.environ.get("QUICK") == "1"
# Inputs: the full sizes are the README's figures; QUICK keeps a debug build's CI run short.
COMMITS = 2_000 if QUICK else 20_000
JUNIT_CASES = 150_000 if QUICK else 2_000_000
# Formats other than JUnit are refused unread above 64 MiB: the files stay just under it.
WHOLE = (12 if QUICK else 60) * 1024 * 1024
PLAN = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def limited():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def run(label, args, cwd, env=None):
    """Runs plan under the limit; returns (ok, row) with this run's own peak RSS."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err_file:
        p = subprocess.Popen([PLAN, *args], cwd=cwd, env={**os.environ, "NO_COLOR": "1", **(env or {})},
                             stdout=out, stderr=err_file, preexec_fn=limited)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        err_file.seek(0)
        err = err_file.read().decode("utf-8", "replace")
    secs = time.monotonic() - start
    aborted = p.returncode < 0 or p.returncode not in (0, 1, 2, 3)
    oom_text = "memory allocation" in err or "capacity overflow" in err or "panicked" in err
    ok = not aborted and not oom_text
    row = f"| {label} | {p.returncode} | {secs:.1f} s | {usage.ru_maxrss / 1024:.0f} MiB | {'ok' if ok else 'BROKEN'} |"
    if not ok or p.returncode == 2:
        last = [line for line in err.strip().splitlines() if line.strip()][-1:] or ["(no message)"]
        row += f" {last[0][:160]}"
    return ok, row


def git(cwd, *args, stdin=None):
    subprocess.run(["git", *args], cwd=cwd, check=True, stdin=stdin, stdout=subprocess.DEVNULL)


def small_repo(tmp):
    repo = os.path.join(tmp, "mono")
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "main")
    env = {**os.environ, "COMMITS": str(COMMITS), "PLAN_EVERY": "10", "TAG_EVERY": str(COMMITS // 20)}
    gen = subprocess.Popen([sys.executable, os.path.join(ROOT, "benches", "gen_monorepo.py")], stdout=subprocess.PIPE, env=env)
    git(repo, "fast-import", "--quiet", "--done", stdin=gen.stdout)
    gen.wait()
    git(repo, "checkout", "-q", "main")
    return repo


def evidence(tmp):
    """The largest evidence files allowed, one workspace per format: a plan whose one
    criterion reads the file."""
    out = []
    junit = os.path.join(tmp, "junit.xml")
    with open(junit, "w") as f:
        f.write(f'<?xml version="1.0"?>\n<testsuites>\n<testsuite name="big" tests="{JUNIT_CASES}">\n')
        line = '<testcase classname="crate::module::tests" name="case_{0}" time="0.001"/>\n'
        for i in range(JUNIT_CASES):
            f.write(line.format(i))
        f.write("</testsuite>\n</testsuites>\n")
    out.append(("junit", junit))
    # Formats read whole: a file just under their 64 MiB limit.
    lcov = os.path.join(tmp, "lcov.info")
    with open(lcov, "w") as f:
        n = 0
        while f.tell() < WHOLE:
            f.write(f"SF:src/module_{n}.rs\n")
            for i in range(1, 200):
                f.write(f"DA:{i},{i % 3}\n")
            f.write("LF:199\nLH:132\nend_of_record\n")
            n += 1
    out.append(("lcov", lcov))
    sarif = os.path.join(tmp, "scan.sarif")
    with open(sarif, "w") as f:
        f.write('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"big"}},"results":[')
        first = True
        while f.tell() < WHOLE:
            f.write(("" if first else ",") + '{"ruleId":"R1","level":"note","message":{"text":"x"},'
                    '"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/a.rs"},"region":{"startLine":1}}}]}')
            first = False
        f.write("]}]}")
    out.append(("sarif", sarif))
    # JSON numbers only: the worst case for a value tree.
    js = os.path.join(tmp, "metrics.json")
    with open(js, "w") as f:
        f.write('{"value": 12, "padding": [')
        f.write(",".join(["0"] * (WHOLE // 2)))
        f.write("]}")
    out.append(("json", js))
    return out


def gate_workspace(tmp, kind, path):
    """A repository whose committed plan has one criterion reading the file as `ev/<name>`:
    the bad-input corpus's gate plan and its criterion for the kind."""
    import tomllib
    corpus = os.path.join(ROOT, "tests", "fixtures", "bad")
    snippet = tomllib.load(open(os.path.join(corpus, "cases.toml"), "rb"))["kinds"][kind]["plan"]
    ws = os.path.join(tmp, f"ws-{kind}")
    os.makedirs(os.path.join(ws, "ev"))
    git(ws, "init", "-q", "-b", "main")
    name = os.path.basename(path)
    with open(os.path.join(ws, "support-plan.toml"), "w") as f:
        f.write(open(os.path.join(corpus, "gate-plan.toml")).read() + "\n" + snippet.replace("{file}", name))
    env = ["-c", "user.name=memory", "-c", "user.email=memory@example.com"]
    git(ws, *env, "add", "-A")
    git(ws, *env, "commit", "-q", "-m", "plan")
    shutil.move(path, os.path.join(ws, "ev", name))
    return ws


def main():
    rows = ["| run | exit | time | peak RSS | verdict |", "|---|---|---|---|---|"]
    broken = False
    with tempfile.TemporaryDirectory() as tmp:
        repo = sys.argv[2] if len(sys.argv) > 2 else small_repo(tmp)
        tags = subprocess.run(["git", "tag", "--sort=v:refname"], cwd=repo, capture_output=True, text=True).stdout.split()
        a, b = tags[len(tags) // 2], tags[-1]
        for label, args in [
            (f"diff {a} {b}", ["diff", a, b, "--format", "json"]),
            (f"diff {a} {b} --plan svc-042", ["diff", a, b, "--plan", "svc-042"]),
            (f"check --rev {b}", ["check", "--rev", b, "--now", "2026-11-26", "-q"]),
            ("log --plan svc-042", ["log", "--plan", "svc-042", "--format", "json"]),
            ("log (every plan)", ["log", "--format", "json"]),
            ("render --rev", ["render", "--rev", b]),
        ]:
            ok, row = run(label, args, repo)
            broken |= not ok
            rows.append(row)
        today = time.strftime("%Y-%m-%d", time.gmtime())
        for kind, path in evidence(tmp):
            size = os.path.getsize(path) / 1024 / 1024
            ws = gate_workspace(tmp, kind, path)
            args = ["gate", "--preview", "--now", today, "--format", "json"]
            ok, row = run(f"gate, {kind} evidence of {size:.0f} MiB", args, ws)
            broken |= not ok
            rows.append(row)
            shutil.rmtree(ws)
    print(f"limit: RLIMIT_AS {LIMIT // 1024 // 1024} MiB; {os.cpu_count()} cores")
    print("\n".join(rows))
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
