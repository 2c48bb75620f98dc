#!/usr/bin/env python3
"""Writes a `git fast-import` stream for a synthetic monorepo on stdout.

Layout: services/svc-NNN/support-plan.toml (300 plans, from plan-templates/example.toml with
their own product ids) and services/svc-NNN/src/fNN.rs (99 source files each): 30,000 files.
History: one initial commit, then COMMITS commits that each change one source file; every
PLAN_EVERY-th commit also changes one plan (a response or latency target). A tag every
TAG_EVERY commits: v1.0.0 annotated, the rest lightweight. Deterministic (seeded).
"""
import os
import random
import sys

SERVICES = int(os.environ.get("SERVICES", 300))
FILES_PER_SERVICE = 99
COMMITS = int(os.environ.get("COMMITS", 100_000))
PLAN_EVERY = int(os.environ.get("PLAN_EVERY", 100))
TAG_EVERY = int(os.environ.get("TAG_EVERY", 10_000))

here = os.path.dirname(os.path.abspath(__file__))
example = open(os.path.join(here, "..", "plan-templates", "example.toml"), encoding="utf-8").read()
out = sys.stdout.buffer
rng = random.Random(42)


def data(payload: bytes):
    out.write(b"data %d\n" % len(payload))
    out.write(payload)
    out.write(b"\n")


def plan(svc: int, restore_h: int, p95_ms: int) -> bytes:
    text = example.replace('product = "acme-billing"', f'product = "svc-{svc:03d}"', 1)
    text = text.replace('restore = "4h"', f'restore = "{restore_h}h"', 1)
    text = text.replace('target = "250ms"', f'target = "{p95_ms}ms"', 1)
    text = text.replace('warn_at = "220ms"', f'warn_at = "{p95_ms - 10}ms"', 1)
    return text.encode()


def commit(mark: int, ts: int, message: str, changes, parent):
    out.write(b"commit refs/heads/main\n")
    out.write(b"mark :%d\n" % mark)
    out.write(b"author Dev <dev@example.com> %d +0000\n" % ts)
    out.write(b"committer Dev <dev@example.com> %d +0000\n" % ts)
    data(message.encode())
    if parent:
        out.write(b"from :%d\n" % parent)
    for path, payload in changes:
        out.write(b"M 100644 inline %s\n" % path.encode())
        data(payload)


ts = 1_700_000_000
initial = []
for s in range(SERVICES):
    initial.append((f"services/svc-{s:03d}/support-plan.toml", plan(s, 4, 250)))
    for f in range(FILES_PER_SERVICE):
        initial.append((f"services/svc-{s:03d}/src/f{f:02d}.rs", b"// service %d file %d\nfn f() {}\n" % (s, f)))
commit(1, ts, "Initial import", initial, None)
for i in range(1, COMMITS + 1):
    ts += 60
    s, f = rng.randrange(SERVICES), rng.randrange(FILES_PER_SERVICE)
    changes = [(f"services/svc-{s:03d}/src/f{f:02d}.rs", b"// service %d file %d commit %d\nfn f() {}\n" % (s, f, i))]
    if i % PLAN_EVERY == 0:
        p = rng.randrange(SERVICES)
        changes.append((f"services/svc-{p:03d}/support-plan.toml", plan(p, rng.randrange(2, 9), rng.randrange(150, 400))))
    commit(i + 1, ts, f"Change {i}", changes, i)
    if i % TAG_EVERY == 0:
        n = i // TAG_EVERY - 1
        if n == 0:
            out.write(b"tag v1.0.0\nfrom :%d\ntagger Dev <dev@example.com> %d +0000\n" % (i + 1, ts))
            data(b"Release 1.0.0")
        else:
            out.write(b"reset refs/tags/v1.%d.0\nfrom :%d\n\n" % (n, i + 1))
out.write(b"done\n")
