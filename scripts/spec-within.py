#!/usr/bin/env python3
"""How much each spec says again inside itself: the lines of specs/*.yaml at
a git revision that repeat a 3-line run seen earlier in the SAME spec (the
runs scripts/spec-repeats.py counts only across specs). Lines are stripped;
runs under 60 characters are skipped. Split by where the run first stands
and where it repeats (guide = any section but `operations`), then the specs
that repeat most.

This is the measure issue 18's notes give for spec-local fragments.

Usage: scripts/spec-within.py [REV]   (default HEAD)
"""
import collections
import os
import subprocess
import sys

WINDOW, SHORTEST = 3, 60


def git(*args):
    return subprocess.run(("git",) + args, capture_output=True, text=True, check=True).stdout


def repeats(text):
    """The repeated lines of one spec, as {line: (first in operations, repeat in operations)}."""
    raw = text.split("\n")
    section, current = [], None
    for line in raw:
        if line and not line.startswith((" ", "#")):
            current = line.split(":")[0]
        section.append(current)
    lines = [line.strip() for line in raw]
    where = collections.defaultdict(list)
    for i in range(len(lines) - WINDOW + 1):
        run = tuple(lines[i:i + WINDOW])
        if sum(len(x) for x in run) >= SHORTEST:
            where[run].append(i)
    covered = {}
    for starts in where.values():
        for at in starts[1:]:
            for q in range(at, at + WINDOW):
                covered[q] = (section[starts[0]] == "operations", section[q] == "operations")
    return covered


def main():
    rev = sys.argv[1] if len(sys.argv) > 1 else "HEAD"
    kinds, per = collections.Counter(), []
    for path in git("ls-tree", "--name-only", rev, "specs/").split():
        if not path.endswith(".yaml"):
            continue
        covered = repeats(git("show", f"{rev}:{path}"))
        kinds.update(covered.values())
        per.append((len(covered), os.path.basename(path)[:-5]))
    name = {(False, False): "guide->guide", (True, True): "operation->operation",
            (False, True): "guide->operation", (True, False): "operation->guide"}
    split = ", ".join(f"{name[k]} {n}" for k, n in sorted(kinds.items()))
    print(f"{rev}: {sum(kinds.values())} spec lines repeat a run of the same spec ({split})")
    print("most:", ", ".join(f"{s} {n}" for n, s in sorted(per, reverse=True)[:10]))


if __name__ == "__main__":
    main()
