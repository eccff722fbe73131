#!/usr/bin/env python3
"""Synthetic chart specs for gen's scale runs (issue 7, goal 5).

Writes COUNT valid specs into OUT/specs/, each a copy of one of the shipped
specs (round robin) under a new name (`<base>-s<i>`, title `<Title> <i>`)
with a random depends_on DAG: chart i depends on up to --max-deps charts
with a smaller number, so there is no cycle. Everything else in the spec
is kept byte for byte, so every chart passes the same validation as the
shipped ones.

    scripts/synth-specs.py --count 1000 --out /tmp/synth-1000
    gen --root /tmp/synth-1000 build

With --scale, generates a project per size and times `gen build` (cold,
nothing on disk) and `gen check` of each with /usr/bin/time, then prints
the CPU time per chart, its ratio to the smallest size's, and peak RSS;
--check-only times only `gen check` of the unbuilt projects, which renders
everything but the site:

    scripts/synth-specs.py --scale 1000,10000 --gen target/release/gen
    scripts/synth-specs.py --scale 1000,10000 --check-only

Stdlib only; the same seed gives the same specs.
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOP_KEY = re.compile(r"^[a-z_]+:")


def load_bases(spec_dir):
    bases = []
    for f in sorted(os.listdir(spec_dir)):
        if f.endswith(".yaml") and f != "schema.json":
            with open(os.path.join(spec_dir, f)) as fh:
                text = fh.read()
            m = re.search(r"^name: (\S+)$", text, re.M)
            t = re.search(r"^title: (.+)$", text, re.M)
            if m and t:
                bases.append((m.group(1), t.group(1).strip(), text))
    if not bases:
        raise SystemExit(f"no specs in {spec_dir}")
    return bases


def without_depends_on(text):
    """The spec's lines without its top-level depends_on block."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("depends_on:"):
            skipping = True
            continue
        if skipping and (TOP_KEY.match(line) or line.startswith("#")):
            skipping = False
        if not skipping:
            out.append(line)
    return "".join(out)


def yaml_title(title):
    # Titles in the shipped specs are plain scalars; quote when needed.
    if title.startswith(("'", '"')):
        return title[:-1] + " {i}" + title[-1]
    return title + " {i}"


def synth(count, out, seed=42, max_deps=3, spec_dir=None):
    bases = load_bases(spec_dir or os.path.join(REPO, "specs"))
    rng = random.Random(seed)
    specs = os.path.join(out, "specs")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(specs)
    names = []
    stripped = [(n, t, without_depends_on(x)) for n, t, x in bases]
    for i in range(count):
        base, title, text = stripped[i % len(stripped)]
        name = f"{base}-s{i}"
        names.append(name)
        k = rng.randint(0, min(max_deps, i))
        deps = sorted(rng.sample(range(i), k)) if k else []
        text = re.sub(r"^name: .*$", f"name: {name}", text, count=1, flags=re.M)
        text = re.sub(r"^title: .*$", "title: " + yaml_title(title).replace("{i}", str(i)),
                      text, count=1, flags=re.M)
        if deps:
            block = "depends_on:\n" + "".join(
                f"  - chart: {names[j]}\n"
                f"    why: Synthetic dependency {j} of chart {i}, restored first.\n"
                for j in deps)
            # Right after the workload block, before objectives.
            text = re.sub(r"^objectives:", block + "objectives:", text, count=1, flags=re.M)
        with open(os.path.join(specs, f"{name}.yaml"), "w") as fh:
            fh.write(text)
    # The schema the modeline names, as gen writes it.
    shutil.copy(os.path.join(spec_dir or os.path.join(REPO, "specs"), "schema.json"),
                os.path.join(specs, "schema.json"))
    return names


def timed(cmd):
    p = subprocess.run(["/usr/bin/time", "-f", "@@TIME %e %M %U %S"] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = [l for l in p.stderr.splitlines() if l.startswith("@@TIME ")]
    if not line:
        sys.stderr.write(p.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    _, wall, rss, user, system = line[-1].split()
    return p.returncode, float(wall), int(rss), float(user) + float(system)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def scale(sizes, gen, work, seed, max_deps, keep, check_only=False):
    rows = []
    for n in sizes:
        out = os.path.join(work, f"synth-{n}")
        synth(n, out, seed, max_deps)
        load0 = loadavg()
        if check_only:
            # Nothing built: check renders every output but the site and
            # finds them all missing (exit 1).
            rc, check_s, check_rss, check_cpu = timed([gen, "--root", out, "--quiet", "check"])
            rows.append((n, 0.0, 0, check_s, check_rss, 0.0, check_cpu))
            print(f"{n} specs: check {check_s:.2f} s ({check_cpu:.2f} cpu-s, exit {rc}), "
                  f"{check_rss / 1024:.0f} MB; load {load0} -> {loadavg()}", flush=True)
            if not keep:
                shutil.rmtree(out, ignore_errors=True)
            continue
        rc, build_s, build_rss, build_cpu = timed([gen, "--root", out, "--quiet", "build"])
        if rc != 0:
            raise SystemExit(f"gen build failed on {n} specs (exit {rc})")
        files = sum(len(f) for _, _, f in os.walk(out))
        site = sum(len(f) for _, _, f in os.walk(os.path.join(out, "site")))
        site_bytes = sum(os.path.getsize(os.path.join(d, f))
                         for d, _, fs in os.walk(os.path.join(out, "site")) for f in fs)
        rc, check_s, check_rss, check_cpu = timed([gen, "--root", out, "--quiet", "check"])
        rows.append((n, build_s, build_rss, check_s, check_rss, build_cpu, check_cpu))
        print(f"{n} specs: build {build_s:.2f} s ({build_cpu:.2f} cpu-s), "
              f"{build_rss / 1024:.0f} MB; check {check_cpu:.2f} cpu-s "
              f"(exit {rc}), {check_rss / 1024:.0f} MB; {files} files, "
              f"site {site} files {site_bytes / 1e6:.0f} MB; load {load0} -> {loadavg()}",
              flush=True)
        if not keep:
            shutil.rmtree(out, ignore_errors=True)
    base = rows[0]
    if check_only:
        print(f"\n{'specs':>6s} {'check s':>8s} {'cpu s':>8s} {'cpu ms/chart':>13s} "
              f"{'x first':>8s} {'peak MB':>8s}")
        for n, _, _, c, cr, _, cc in rows:
            cpc = 1000 * cc / n
            print(f"{n:6d} {c:8.2f} {cc:8.2f} {cpc:13.2f} "
                  f"{cpc / (1000 * base[6] / base[0]):8.2f} {cr / 1024:8.0f}")
        return
    # Wall time moves with the machine's load; CPU seconds much less.
    print(f"\n{'specs':>6s} {'build s':>8s} {'cpu s':>8s} {'cpu ms/chart':>13s} {'x first':>8s} "
          f"{'peak MB':>8s} {'check cpu s':>12s} {'ms/chart':>9s} {'x first':>8s} {'peak MB':>8s}")
    for n, b, br, c, cr, bc, cc in rows:
        bpc, cpc = 1000 * bc / n, 1000 * cc / n
        print(f"{n:6d} {b:8.2f} {bc:8.2f} {bpc:13.2f} {bpc / (1000 * base[5] / base[0]):8.2f} "
              f"{br / 1024:8.0f} {cc:12.2f} {cpc:9.2f} {cpc / (1000 * base[6] / base[0]):8.2f} "
              f"{cr / 1024:8.0f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, help="number of specs to write")
    ap.add_argument("--out", help="project folder to write (replaced)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--max-deps", type=int, default=3)
    ap.add_argument("--scale", help="comma list of sizes to generate and time")
    ap.add_argument("--gen", default=os.path.join(REPO, "target/release/gen"))
    ap.add_argument("--work", default="/tmp/gen-scale")
    ap.add_argument("--keep", action="store_true", help="keep the scale projects")
    ap.add_argument("--check-only", action="store_true",
                    help="time only `gen check` of the unbuilt projects (no site)")
    a = ap.parse_args()
    if a.scale:
        scale([int(x) for x in a.scale.split(",")], a.gen, a.work, a.seed, a.max_deps,
              a.keep, a.check_only)
    elif a.count and a.out:
        synth(a.count, a.out, a.seed, a.max_deps)
        print(f"{a.count} specs in {a.out}/specs")
    else:
        ap.error("give --count and --out, or --scale")


if __name__ == "__main__":
    main()
