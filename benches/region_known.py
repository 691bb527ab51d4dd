#!/usr/bin/env python3
"""Share of Terraform, Bicep and ARM deployments whose region is known, per folder.

usage: benches/region_known.py BINARY CORPUS_DIR [BINARY_BEFORE]

Runs `cloudpact inventory --format json` on every folder of CORPUS_DIR and prints a Markdown
table row per folder: known/total for BINARY (and BINARY_BEFORE, when given). The table in
docs/detection.md ("Regions known") is this script's output."""
import json, os, subprocess, sys

FORMATS = {"terraform", "bicep", "arm"}


def known(binary, folder):
    out = subprocess.run(
        [binary, "inventory", "--format", "json", "--no-ignore", "."],
        cwd=folder, capture_output=True, text=True)
    doc = json.loads(out.stdout)
    deps = doc["deployments"] if isinstance(doc, dict) else doc
    deps = [d for d in deps if d.get("format") in FORMATS]
    return sum(1 for d in deps if d.get("region")), len(deps)


def cell(k, n):
    return f"{k}/{n} ({100 * k // n} %)" if n else "–"


def main(argv):
    binary, corpus = os.path.abspath(argv[1]), argv[2]
    before = os.path.abspath(argv[3]) if len(argv) > 3 else None
    head = "| folder | " + ("before | " if before else "") + "after |"
    print(head)
    print("| --- | " + ("--- | " if before else "") + "--- |")
    totals = [0, 0, 0, 0]
    for name in sorted(os.listdir(corpus)):
        folder = os.path.join(corpus, name)
        if not os.path.isdir(folder):
            continue
        k, n = known(binary, folder)
        totals[2] += k
        totals[3] += n
        row = f"| {name} | "
        if before:
            bk, bn = known(before, folder)
            totals[0] += bk
            totals[1] += bn
            row += cell(bk, bn) + " | "
        if n or (before and bn):
            print(row + cell(k, n) + " |")
    last = "| **all** | " + (cell(totals[0], totals[1]) + " | " if before else "")
    print(last + cell(totals[2], totals[3]) + " |")


if __name__ == "__main__":
    main(sys.argv)
