#!/usr/bin/env bash
# How close `cloudpact check` is to the cost of reading every file: builds a tree of N hard-linked
# copies of a folder of infrastructure repositories, then times back to back with hyperfine
#   cat    every file to /dev/null           (the read floor)
#   rg     `rg -uu -c .` (every file, every line matched: a parallel read-and-scan floor)
#   check  `cloudpact check --policy policies/microsoft-openai.pact --format short`
# and prints check/rg, check/cat and cloudpact's peak RSS for each N, then whether each goal the
# counts given can judge is met. docs/performance.md has the figures and the goals (check ≤ 3×
# rg and ≤ 2× cat at N=20; N=40 ≤ 2.1× N=20; peak RSS under 150 MB at N=20 and N=40).
#
# usage: benches/floor.sh CORPUS_DIR [N…]        (default N: 20)
# needs: hyperfine, ripgrep (Debian packages `hyperfine`, `ripgrep`), GNU time (`time`), and
#        `cargo build --release` first.
set -euo pipefail
corpus=${1:?usage: benches/floor.sh CORPUS_DIR [N…]}
shift
counts=("${@:-20}")
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/target/release/cloudpact"
policy="$here/policies/microsoft-openai.pact"
for tool in hyperfine rg /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "floor.sh: $tool is not installed" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "floor.sh: run cargo build --release first" >&2; exit 2; }

tree() {
  local n=$1 out=$2
  rm -rf "$out"
  mkdir -p "$out"
  for i in $(seq 1 "$n"); do
    mkdir -p "$out/copy$i"
    cp -al "$corpus/." "$out/copy$i/" 2>/dev/null || cp -a "$corpus/." "$out/copy$i/"
  done
}

# Mean seconds of one command from hyperfine's JSON export.
mean() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"])' "$1"; }

results=$(mktemp)
trap 'rm -f "$results"' EXIT
printf '%6s %8s %9s %8s %8s %9s %9s %9s\n' N files "cat s" "rg s" "check s" check/rg check/cat "RSS MB"
for n in "${counts[@]}"; do
  out="$here/target/floor-tree-$n"
  tree "$n" "$out"
  files=$(find "$out" -type f | wc -l)
  tmp=$(mktemp -d)
  hyperfine -N --warmup 1 --runs 5 --export-json "$tmp/cat.json" \
    "bash -c 'find $out -type f -print0 | xargs -0 cat > /dev/null'" >/dev/null 2>&1
  hyperfine -N --warmup 1 --runs 5 -i --export-json "$tmp/rg.json" \
    "rg -uu -c . $out" >/dev/null 2>&1
  hyperfine -N --warmup 1 --runs 5 -i --export-json "$tmp/check.json" \
    "$bin check $out --policy $policy --format short --as-of 2026-01-01 --output /dev/null" \
    >/dev/null 2>&1
  /usr/bin/time -o "$tmp/rss" -f '%M' "$bin" check "$out" --policy "$policy" --format short \
    --as-of 2026-01-01 --output /dev/null >/dev/null 2>&1 || true
  rss=$(tail -1 "$tmp/rss")
  c=$(mean "$tmp/cat.json") r=$(mean "$tmp/rg.json") k=$(mean "$tmp/check.json")
  echo "$n $c $r $k $rss" >> "$results"
  python3 - "$n" "$files" "$c" "$r" "$k" "$rss" <<'EOF'
import sys
n, files, c, r, k, rss = sys.argv[1:]
c, r, k = float(c), float(r), float(k)
print(f"{n:>6} {files:>8} {c:9.3f} {r:8.3f} {k:8.3f} {k / r:9.2f} {k / c:9.2f} {int(rss) / 1024:9.0f}")
EOF
  rm -rf "$tmp"
done

# The goals of docs/performance.md ("Against the read-everything floor") that this run's
# counts can judge: the ratios at 20 copies, 40 copies against 20, peak RSS at 20 and 40.
python3 - "$results" <<'EOF'
import sys
rows = {}
for line in open(sys.argv[1]):
    n, c, r, k, rss = line.split()
    rows[int(n)] = (float(c), float(r), float(k), int(rss) / 1024)
def verdict(ok):
    return "met" if ok else "NOT met"
if 20 in rows:
    c, r, k, _ = rows[20]
    print(f"goal, 20 copies: check/rg {k / r:.2f} <= 3: {verdict(k / r <= 3)}; "
          f"check/cat {k / c:.2f} <= 2: {verdict(k / c <= 2)}")
if 20 in rows and 40 in rows:
    ratio = rows[40][2] / rows[20][2]
    print(f"goal, linear: 40 copies / 20 copies {ratio:.2f} <= 2.1: {verdict(ratio <= 2.1)}")
for n in (20, 40):
    if n in rows:
        rss = rows[n][3]
        print(f"goal, memory: peak RSS at {n} copies {rss:.0f} MB < 150 MB: {verdict(rss < 150)}")
EOF
