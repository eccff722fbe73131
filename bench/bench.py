#!/usr/bin/env python3
"""Whole-process site benchmark: gen against Hugo, mdBook and Pagefind.

Run through scripts/bench.sh, which installs the tools first. For each
corpus size it generates the corpus with bench/make-corpus.py (seed 42,
layouts plain, hugo and mdbook), then runs, in alternating order, for
--rounds rounds:

  gen        `gen build` of a docs-only project (docs/ = the plain layout),
             cold: site/ removed before each run
  gen-noop   `gen build` again with site/ in place (nothing to write)
  hugo       Hugo, highlighting on (the corpus's config.toml)
  hugo-nohl  Hugo with markup.highlight.codeFences = false
  mdbook     mdBook, search on (its default)
  pagefind   Pagefind indexing Hugo's output (indexing time only)

Each run is timed by /usr/bin/time (wall seconds and peak RSS, %e %M). The
table shows medians, the ratio of each tool's median to gen's, and peak RSS
(the largest of the runs). Load averages are printed with each size, since
a shared machine's load moves the numbers.

Then the search side: bench/search-gen.mjs and bench/search-pagefind.mjs
load each tool's search in Node, count the bytes a browser loads for a
first query, and time 100 queries.
"""

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def timed(cmd, cwd=None):
    """Runs cmd under /usr/bin/time: (wall s, peak RSS KB, CPU s)."""
    out = subprocess.run(
        ["/usr/bin/time", "-f", "@@TIME %e %M %U %S"] + cmd,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = [l for l in out.stderr.splitlines() if l.startswith("@@TIME ")]
    if out.returncode != 0 or not line:
        sys.stderr.write(out.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    _, wall, rss, user, system = line[-1].split()
    return float(wall), int(rss), float(user) + float(system)


def corpus(work, pages):
    out = os.path.join(work, f"corpus-{pages}")
    stamp = os.path.join(out, ".done")
    if not os.path.exists(stamp):
        sh([sys.executable, os.path.join(HERE, "make-corpus.py"), "--pages",
            str(pages), "--out", out, "--seed", "42", "--layouts",
            "plain,hugo,mdbook", "--clean"])
        open(stamp, "w").close()
    # Hugo without highlighting: the same config, code fences off.
    hugo = os.path.join(out, "hugo")
    with open(os.path.join(hugo, "config.toml")) as f:
        cfg = f.read()
    nohl = cfg.replace("codeFences = true", "codeFences = false")
    assert nohl != cfg, "config.toml has no codeFences = true"
    with open(os.path.join(hugo, "config-nohl.toml"), "w") as f:
        f.write(nohl)
    # gen: a docs-only project whose docs/ is the plain layout.
    proj = os.path.join(work, f"gen-{pages}")
    if not os.path.isdir(os.path.join(proj, "docs")):
        os.makedirs(proj, exist_ok=True)
        shutil.copytree(os.path.join(out, "plain"), os.path.join(proj, "docs"))
    return out, proj


def du(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(d, f))
    return total


def gz(path):
    with open(path, "rb") as f:
        return len(gzip.compress(f.read(), 9))


def run_size(args, pages):
    work = args.work
    out, proj = corpus(work, pages)
    hugo_src = os.path.join(out, "hugo")
    hugo_out = os.path.join(work, f"hugo-out-{pages}")
    hugo_idx = os.path.join(work, f"hugo-idx-{pages}")  # Pagefind's input
    nohl_out = os.path.join(work, f"hugo-nohl-out-{pages}")
    book_out = os.path.join(work, f"mdbook-out-{pages}")
    pf_out = os.path.join(work, f"pagefind-{pages}")

    # Pagefind indexes a fixed Hugo output, built once.
    if not os.path.isdir(hugo_idx):
        sh(["hugo", "--quiet", "-s", hugo_src, "-d", hugo_idx],
           stdout=subprocess.DEVNULL)

    def clean(*paths):
        for p in paths:
            shutil.rmtree(p, ignore_errors=True)

    tools = {
        "gen": (lambda: clean(os.path.join(proj, "site")),
                [args.gen, "--root", proj, "--quiet", "build"]),
        "gen-noop": (lambda: None,
                     [args.gen, "--root", proj, "--quiet", "build"]),
        "hugo": (lambda: clean(hugo_out),
                 ["hugo", "--quiet", "-s", hugo_src, "-d", hugo_out]),
        "hugo-nohl": (lambda: clean(nohl_out),
                      ["hugo", "--quiet", "-s", hugo_src, "-d", nohl_out,
                       "--config", os.path.join(hugo_src, "config-nohl.toml")]),
        "mdbook": (lambda: clean(book_out),
                   [args.mdbook, "build", os.path.join(out, "mdbook"), "-d",
                    book_out]),
        "pagefind": (lambda: clean(pf_out),
                     [args.pagefind, "--site", hugo_idx, "--output-path",
                      pf_out, "--silent"]),
    }
    names = [t for t in tools if t in args.tools]
    if "gen-noop" in names and "gen" not in names:
        names.insert(0, "gen")
    rounds = args.rounds if pages <= 300 else args.rounds_large
    res = {n: [] for n in names}
    print(f"\n== {pages} pages, {rounds} rounds; load {load()}", flush=True)
    for r in range(rounds):
        # Alternate: rotate the order each round; gen-noop right after gen.
        order = [n for n in names if n != "gen-noop"]
        k = r % len(order)
        order = order[k:] + order[:k]
        if "gen-noop" in names:
            order.insert(order.index("gen") + 1, "gen-noop")
        for n in order:
            prep, cmd = tools[n]
            prep()
            wall, rss, cpu = timed(cmd)
            res[n].append((wall, rss, cpu, load()))
            print(f"  round {r + 1} {n:10s} {wall:7.2f} s {cpu:7.2f} cpu-s"
                  f" {rss / 1024:7.0f} MB  load {load()}", flush=True)

    summary = {}
    base = statistics.median(r[0] for r in res["gen"]) if "gen" in res else None
    base_rss = max(r[1] for r in res["gen"]) if "gen" in res else None
    base_cpu = statistics.median(r[2] for r in res["gen"]) if "gen" in res else None
    for n in names:
        walls = [r[0] for r in res[n]]
        rss = max(r[1] for r in res[n])
        med = statistics.median(walls)
        cpu = statistics.median(r[2] for r in res[n])
        summary[n] = {
            "median_s": med,
            "median_cpu_s": cpu,
            "cpu_vs_gen": cpu / base_cpu if base_cpu else None,
            "min_s": min(walls),
            "max_s": max(walls),
            "peak_rss_mb": rss / 1024,
            "vs_gen": med / base if base else None,
            "rss_vs_gen": rss / base_rss if base_rss else None,
            "runs": res[n],
        }
    # Output sizes and search payloads.
    sizes = {}
    if "gen" in names:
        sizes["gen_site_bytes"] = du(os.path.join(proj, "site"))
    if os.path.isdir(hugo_out):
        sizes["hugo_out_bytes"] = du(hugo_out)
    if os.path.isdir(book_out):
        sizes["mdbook_out_bytes"] = du(book_out)
        idx = None
        for cand in ("searchindex.js", "searchindex.json"):
            for d, _, files in os.walk(book_out):
                for f in files:
                    if f.startswith("searchindex") and (f.endswith(".js") or f.endswith(".json")):
                        idx = os.path.join(d, f)
        if idx:
            sizes["mdbook_searchindex_bytes"] = os.path.getsize(idx)
            sizes["mdbook_searchindex_gzip"] = gz(idx)
    search = {}
    if "gen" in names and shutil.which("node"):
        p = subprocess.run(["node", os.path.join(HERE, "search-gen.mjs"),
                            os.path.join(proj, "site")],
                           capture_output=True, text=True)
        if p.returncode == 0:
            search["gen"] = json.loads(p.stdout)
        else:
            sys.stderr.write(p.stderr[-2000:])
    if "pagefind" in names and shutil.which("node") and os.path.isdir(pf_out):
        p = subprocess.run(["node", os.path.join(HERE, "search-pagefind.mjs"),
                            pf_out], capture_output=True, text=True)
        if p.returncode == 0:
            search["pagefind"] = json.loads(p.stdout)
        else:
            sys.stderr.write(p.stderr[-2000:])
    return {"pages": pages, "load_end": load(), "tools": summary,
            "sizes": sizes, "search": search}


def table(result):
    pages = result["pages"]
    lines = [f"\n{pages} pages (load at end {result['load_end']})",
             f"{'tool':10s} {'median s':>9s} {'min':>7s} {'max':>7s} "
             f"{'x gen':>7s} {'cpu s':>7s} {'x gen':>7s} {'peak MB':>8s} {'RSS x gen':>9s}"]
    for n, s in result["tools"].items():
        vs = f"{s['vs_gen']:.2f}" if s["vs_gen"] else "-"
        rv = f"{s['rss_vs_gen']:.2f}" if s["rss_vs_gen"] else "-"
        cv = f"{s['cpu_vs_gen']:.2f}" if s["cpu_vs_gen"] else "-"
        lines.append(f"{n:10s} {s['median_s']:9.2f} {s['min_s']:7.2f} "
                     f"{s['max_s']:7.2f} {vs:>7s} {s['median_cpu_s']:7.2f} {cv:>7s} "
                     f"{s['peak_rss_mb']:8.0f} {rv:>9s}")
    for k, v in result["sizes"].items():
        lines.append(f"  {k}: {v:,}")
    for tool, s in result["search"].items():
        lines.append(f"  search {tool}: first query {s['first_query_bytes']:,} B"
                     f" ({s['method']}); query median {s['query_ms_median']:.2f} ms,"
                     f" p90 {s['query_ms_p90']:.2f} ms over {s['queries']} queries")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", default="300,3000",
                    help="comma list of corpus sizes (default 300,3000)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="rounds at 300 pages or fewer (default 5)")
    ap.add_argument("--rounds-large", type=int, default=3,
                    help="rounds above 300 pages (default 3)")
    ap.add_argument("--tools", default="gen,gen-noop,hugo,hugo-nohl,mdbook,pagefind")
    ap.add_argument("--work", default="/tmp/gen-bench",
                    help="where corpora and outputs go (default /tmp/gen-bench)")
    ap.add_argument("--gen", default=os.path.join(REPO, "target/release/gen"))
    ap.add_argument("--mdbook", default=os.path.join(REPO, ".tools/mdbook/bin/mdbook"))
    ap.add_argument("--pagefind",
                    default=os.path.join(REPO, ".tools/bench/node_modules/.bin/pagefind"))
    ap.add_argument("--json", help="also write the results as JSON here")
    args = ap.parse_args()
    args.tools = args.tools.split(",")
    os.makedirs(args.work, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores; load {load()}")
    results = []
    for n in args.pages.split(","):
        started = time.time()
        r = run_size(args, int(n))
        r["seconds"] = time.time() - started
        results.append(r)
        print(table(r), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
