#!/usr/bin/env python3
"""Whole-process site benchmark: gen against Hugo, mdBook and Pagefind.

Run through scripts/bench.sh, which installs the tools first. For each
corpus size it generates the corpus with bench/make-corpus.py (seed 42,
layouts plain, hugo and mdbook), then runs, in alternating order, for
--rounds rounds:

  gen            `gen build` of a docs-only project (docs/ = the plain
                 layout), cold: site/ removed before the run
  gen-noop       `gen build` again with site/ in place (nothing to write)
  hugo           Hugo, highlighting on (the corpus's config.toml)
  hugo-nohl      Hugo with markup.highlight.codeFences = false
  hugo+pagefind  Hugo, then Pagefind on its output: the searchable site
                 gen builds, like for like (Pagefind runs right after each
                 Hugo run; the row is the sum of the two)
  mdbook         mdBook, search on (its default)
  pagefind       Pagefind indexing a fixed Hugo output (indexing only)

Every tool but gen-noop runs cold twice a round, in two situations: its
output folder deleted just before the run (as a script that cleans and
builds does), and deleted long before it (all outputs deleted, `sync`,
then --settle seconds before the first run). On a disk that frees blocks
as it deletes them (ext4 with `discard`), creating files right after a
large deletion waits for it.

Each run is timed by /usr/bin/time (wall, user and system seconds, peak
RSS); the files a run wrote are those in its output folder modified since
it started. The tables show medians, Hugo's median over the tool's (wall
and CPU, Hugo in the same situation), peak RSS (the largest of the runs)
and files written; a last table puts the sizes side by side. Load
averages are printed with every run, since a shared machine's load moves
the numbers.

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
    """Runs cmd under /usr/bin/time: (wall s, peak RSS KB, user s, sys s)."""
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
    return float(wall), int(rss), float(user), float(system)


def written_since(path, start_ns):
    """Files under path modified at or after start_ns."""
    n = 0
    for d, _, files in os.walk(path):
        for f in files:
            try:
                if os.lstat(os.path.join(d, f)).st_mtime_ns >= start_ns:
                    n += 1
            except FileNotFoundError:
                pass
    return n


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

    # Pagefind indexes a fixed Hugo output, built once (when benchmarked).
    if "pagefind" in args.tools and not os.path.isdir(hugo_idx):
        sh(["hugo", "--quiet", "-s", hugo_src, "-d", hugo_idx],
           stdout=subprocess.DEVNULL)

    def clean(*paths):
        for p in paths:
            shutil.rmtree(p, ignore_errors=True)

    # Hugo + Pagefind: Pagefind indexes each Hugo run's output right
    # after it (into hugo_out/pagefind); the row adds the two runs up.
    hugo_pf_out = os.path.join(hugo_out, "pagefind")
    pf_after_hugo = [args.pagefind, "--site", hugo_out, "--silent"]
    site = os.path.join(proj, "site")
    # name: (output folder, command)
    tools = {
        "gen": (site, [args.gen, "--root", proj, "--quiet", "build"]),
        "gen-noop": (site, [args.gen, "--root", proj, "--quiet", "build"]),
        "hugo": (hugo_out, ["hugo", "--quiet", "-s", hugo_src, "-d", hugo_out]),
        "hugo-nohl": (nohl_out,
                      ["hugo", "--quiet", "-s", hugo_src, "-d", nohl_out,
                       "--config", os.path.join(hugo_src, "config-nohl.toml")]),
        "mdbook": (book_out, [args.mdbook, "build", os.path.join(out, "mdbook"),
                              "-d", book_out]),
        "pagefind": (pf_out, [args.pagefind, "--site", hugo_idx, "--output-path",
                              pf_out, "--silent"]),
    }
    names = [t for t in tools if t in args.tools]
    if "gen-noop" in names and "gen" not in names:
        names.insert(0, "gen")
    with_pagefind = "hugo+pagefind" in args.tools
    if with_pagefind and "hugo" not in names:
        names.append("hugo")
    rounds = args.rounds if pages <= 300 else args.rounds_large
    situations = ["just"] + (["long"] if args.settle >= 0 else [])
    rows = names + (["hugo+pagefind"] if with_pagefind else [])
    res = {(n, s): [] for n in rows for s in situations}
    print(f"\n== {pages} pages, {rounds} rounds; load {load()}", flush=True)

    def record(n, situation, r, run):
        wall, rss, user, system, files = run
        res[(n, situation)].append((wall, rss, user, system, files, load()))
        print(f"  round {r + 1} {n:13s} {situation:4s} {wall:7.2f} s"
              f" {user:6.2f} user {system:6.2f} sys {rss / 1024:6.0f} MB"
              f" {files:6d} files  load {load()}", flush=True)

    def run(n, situation, r):
        folder, cmd = tools[n]
        start = time.time_ns()
        wall, rss, user, system = timed(cmd)
        files = written_since(folder, start)
        record(n, situation, r, (wall, rss, user, system, files))
        if n == "hugo" and with_pagefind:
            start = time.time_ns()
            pf = timed(pf_after_hugo)
            pf_files = written_since(hugo_pf_out, start)
            record("hugo+pagefind", situation, r,
                   (wall + pf[0], max(rss, pf[1]), user + pf[2], system + pf[3],
                    files + pf_files))

    for r in range(rounds):
        # Alternate: rotate the order each round; gen-noop right after gen.
        order = [n for n in names if n != "gen-noop"]
        k = r % len(order)
        order = order[k:] + order[:k]
        # Output deleted just before each run.
        for n in order:
            clean(tools[n][0])
            run(n, "just", r)
            if n == "gen" and "gen-noop" in names:
                run("gen-noop", "just", r)
        if "long" not in situations:
            continue
        # Every output deleted long before the runs.
        for n in order:
            clean(tools[n][0])
        sh(["sync"])
        time.sleep(args.settle)
        for n in order:
            run(n, "long", r)

    summary = {}
    for (n, situation), runs in res.items():
        if not runs:
            continue
        med = lambda i: statistics.median(x[i] for x in runs)
        hugo = res.get(("hugo", situation)) or []
        hpf = res.get(("hugo+pagefind", situation)) or []
        hpf_wall = statistics.median(x[0] for x in hpf) if hpf else None
        hugo_wall = statistics.median(x[0] for x in hugo) if hugo else None
        hugo_cpu = statistics.median(x[2] + x[3] for x in hugo) if hugo else None
        cpu = statistics.median(x[2] + x[3] for x in runs)
        summary[f"{n} {situation}"] = {
            "tool": n,
            "situation": situation,
            "median_s": med(0),
            "min_s": min(x[0] for x in runs),
            "max_s": max(x[0] for x in runs),
            "median_user_s": med(2),
            "median_sys_s": med(3),
            "median_cpu_s": cpu,
            "peak_rss_mb": max(x[1] for x in runs) / 1024,
            "files_written": med(4),
            "hugo_over_tool_wall": hugo_wall / med(0) if hugo_wall and med(0) else None,
            "hugo_over_tool_cpu": hugo_cpu / cpu if hugo_cpu and cpu else None,
            "hugo_pagefind_over_tool_wall": hpf_wall / med(0) if hpf_wall and med(0) else None,
            "runs": runs,
        }
    # Output sizes and search payloads.
    sizes = {}
    if "gen" in names:
        sizes["gen_site_bytes"] = du(os.path.join(proj, "site"))
        sizes["gen_site_files"] = sum(len(f) for _, _, f in os.walk(site))
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
            search["gen"]["files"] = (search["gen"]["shards"]
                                      + search["gen"]["chunks"] + 1)
        else:
            sys.stderr.write(p.stderr[-2000:])
    # Pagefind's index: its own run's, or the one in Hugo + Pagefind's site.
    pf_index = pf_out if "pagefind" in names else hugo_pf_out
    if shutil.which("node") and os.path.isdir(pf_index):
        p = subprocess.run(["node", os.path.join(HERE, "search-pagefind.mjs"),
                            pf_index], capture_output=True, text=True)
        if p.returncode == 0:
            search["pagefind"] = json.loads(p.stdout)
            search["pagefind"]["files"] = sum(len(f) for _, _, f in os.walk(pf_index))
        else:
            sys.stderr.write(p.stderr[-2000:])
    return {"pages": pages, "load_end": load(), "tools": summary,
            "sizes": sizes, "search": search}


def table(result):
    pages = result["pages"]
    lines = [f"\n{pages} pages (load at end {result['load_end']})",
             f"{'tool':13s} {'deleted':7s} {'wall s':>7s} {'min':>6s} {'max':>6s}"
             f" {'user s':>7s} {'sys s':>6s} {'peak MB':>7s} {'files':>6s}"
             f" {'Hugo/x wall':>11s} {'Hugo/x CPU':>10s} {'H+P/x wall':>10s}"]
    f = lambda v: f"{v:.1f}" if v else "-"
    for s in result["tools"].values():
        lines.append(f"{s['tool']:13s} {s['situation']:7s} {s['median_s']:7.2f}"
                     f" {s['min_s']:6.2f} {s['max_s']:6.2f} {s['median_user_s']:7.2f}"
                     f" {s['median_sys_s']:6.2f} {s['peak_rss_mb']:7.0f}"
                     f" {s['files_written']:6.0f} {f(s['hugo_over_tool_wall']):>11s}"
                     f" {f(s['hugo_over_tool_cpu']):>10s}"
                     f" {f(s['hugo_pagefind_over_tool_wall']):>10s}")
    for k, v in result["sizes"].items():
        lines.append(f"  {k}: {v:,}")
    for tool, s in result["search"].items():
        lines.append(f"  search {tool}: first query {s['first_query_bytes']:,} B"
                     f" ({s['method']}); query median {s['query_ms_median']:.2f} ms,"
                     f" p90 {s['query_ms_p90']:.2f} ms over {s['queries']} queries;"
                     f" {s.get('files', '?')} search files")
    return "\n".join(lines)


def side_by_side(results):
    """One Markdown table: each tool and situation, every size beside."""
    head = "| Tool | Deleted |"
    rule = "| --- | --- |"
    for r in results:
        n = f"{r['pages']:,}"
        head += f" {n}: wall s | user s | sys s | MB | files | Hugo/x wall | Hugo/x CPU |"
        rule += " ---: |" * 7
    lines = [head, rule]
    keys = []
    for r in results:
        keys += [k for k in r["tools"] if k not in keys]
    f = lambda v: f"{v:.1f}" if v else ""
    for k in keys:
        first = next(r["tools"][k] for r in results if k in r["tools"])
        row = f"| {first['tool']} | {first['situation']} |"
        for r in results:
            s = r["tools"].get(k)
            if not s:
                row += " |" * 7
                continue
            row += (f" {s['median_s']:.2f} | {s['median_user_s']:.2f} |"
                    f" {s['median_sys_s']:.2f} | {s['peak_rss_mb']:,.0f} |"
                    f" {s['files_written']:,.0f} | {f(s['hugo_over_tool_wall'])} |"
                    f" {f(s['hugo_over_tool_cpu'])} |")
        lines.append(row)
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
    ap.add_argument("--tools",
                    default="gen,gen-noop,hugo,hugo-nohl,hugo+pagefind,mdbook,pagefind")
    ap.add_argument("--settle", type=float, default=10,
                    help="seconds between deleting every output and the"
                         " 'deleted long before' runs (default 10; -1: no such runs)")
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
    print("\n" + side_by_side(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
