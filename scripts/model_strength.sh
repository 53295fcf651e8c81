#!/usr/bin/env bash
# How strong the model check is against zoo mutants: for each mutant, the
# generated cases up to its first failure (strict, 512 cases) over seeds
# 0..SEEDS, and their median; "miss" when no case of a seed failed.
#
#   scripts/model_strength.sh [--seeds N] mutant...
#   scripts/model_strength.sh --seeds 8 session_deletion_purges_acks release_ignores_token
#
# Compare two versions by running it on each (same seeds, same mutants);
# PROCREG_BIN=path/to/procreg uses that binary instead of building this tree.
set -euo pipefail
cd "$(dirname "$0")/.."

seeds=8
if [ "${1:-}" = "--seeds" ]; then seeds=$2; shift 2; fi
if [ $# -eq 0 ]; then
  echo "usage: scripts/model_strength.sh [--seeds N] mutant..." >&2
  exit 2
fi
procreg=${PROCREG_BIN:-}
if [ -z "$procreg" ]; then
  cargo build --release -q -p procreg-cli
  procreg=target/release/procreg
fi

for mutant in "$@"; do
  cases=()
  for seed in $(seq 0 $((seeds - 1))); do
    report=$("$procreg" check --backend "mutant:$mutant" --only model --seed "$seed" --strict \
      --quiet --format json 2>/dev/null || true)
    if ! grep -q '"cases"' <<<"$report"; then
      echo "$mutant: no model report (unknown mutant?)" >&2
      exit 2
    fi
    case=$(grep -o '"case": *[0-9]*' <<<"$report" | head -1 | grep -o '[0-9]*$' || true)
    if grep -q '"outcome": *"failed"' <<<"$report" && [ -n "$case" ]; then
      cases+=("$case")
    else
      cases+=(miss)
    fi
  done
  # Misses sort after every count.
  median=$(printf '%s\n' "${cases[@]}" | sed 's/^miss$/999999/' | sort -n \
    | sed -n "$(((seeds + 1) / 2))p" | sed 's/^999999$/miss/')
  echo "$mutant: median $median (seeds 0..$seeds: ${cases[*]})"
done
