#!/usr/bin/env python3
"""How much the specs still say again: the lines of specs/*.yaml at a git
revision that sit in a 3-line run repeated in three or more specs.

Each spec's lines are stripped and its chart name replaced by X, so
`make redis-backup` and `make kafka-backup` count as the same line; runs
under 40 characters (blank lines, `steps:`) are skipped. This is the
measure issue 18's notes give before and after each sharing mechanism.

Usage: scripts/spec-repeats.py [REV]   (default HEAD)
"""
import collections
import os
import re
import subprocess
import sys

WINDOW, SPECS, SHORTEST = 3, 3, 40


def git(*args):
    return subprocess.run(("git",) + args, capture_output=True, text=True, check=True).stdout


def main():
    rev = sys.argv[1] if len(sys.argv) > 1 else "HEAD"
    docs = {}
    for path in git("ls-tree", "--name-only", rev, "specs/").split():
        if not path.endswith(".yaml"):
            continue
        name = os.path.basename(path)[:-5]
        text = git("show", f"{rev}:{path}")
        docs[name] = [re.sub(re.escape(name), "X", line.strip()) for line in text.splitlines()]
    where = collections.defaultdict(set)
    for name, lines in docs.items():
        for i in range(len(lines) - WINDOW + 1):
            run = tuple(lines[i:i + WINDOW])
            if sum(len(x) for x in run) >= SHORTEST:
                where[run].add(name)
    repeated = 0
    for lines in docs.values():
        covered = set()
        for i in range(len(lines) - WINDOW + 1):
            if len(where.get(tuple(lines[i:i + WINDOW]), ())) >= SPECS:
                covered.update(range(i, i + WINDOW))
        repeated += len(covered)
    total = sum(len(lines) for lines in docs.values())
    print(f"{rev}: {repeated} of {total} spec lines sit in 3-line runs repeated in >= {SPECS} specs")


if __name__ == "__main__":
    main()
