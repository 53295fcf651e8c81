#!/usr/bin/env bash
# The checks whose builds nothing else reuses: clippy, rustdoc and
# procreg-conformance on its own need metadata-only builds of every
# dependency, a tree of their own. `.ci/run` runs this script in the
# background at the lowest priority, in target/lint, while it builds and runs
# everything else; it also runs alone (`bash .ci/checks.sh`).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/lint}"
started=$SECONDS
part() { printf -- '--- %s (at %ss)\n' "$*" "$((SECONDS - started))"; }

part "lint"
cargo clippy --workspace --all-targets -- -D warnings

part "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

part "procreg-conformance alone (what a backend author depends on)"
cargo check -p procreg-conformance

part "done"
