#!/usr/bin/env bash
# The mutation score of the registries the kit ships: cargo-mutants mutates
# procreg-memory and procreg-sqlite and runs the kit's tests against every
# mutant. See docs/mutation.md for what the tests are, the scores and the
# survivors.
#
#   scripts/mutation.sh [memory|sqlite|all] [extra cargo-mutants flags...]
#
# e.g. `scripts/mutation.sh memory --in-diff <(git diff origin/main)` tests
# only the mutants a change touches. Results go to target/mutants/<crate>/.
set -euo pipefail
cd "$(dirname "$0")/.."

MUTANTS_VERSION=27.1.0
if ! cargo mutants --version 2>/dev/null | grep -qx "cargo-mutants $MUTANTS_VERSION"; then
    cargo install --locked cargo-mutants --version "$MUTANTS_VERSION"
fi

# The model check's cases per mutant (512 by default): 64 keep a mutant's
# test run to seconds; `PROCREG_CASES=512 scripts/mutation.sh` runs it whole.
export PROCREG_CASES="${PROCREG_CASES:-64}"
export CARGO_INCREMENTAL=0
mkdir -p target/mutants/memory target/mutants/sqlite

which="${1:-all}"
shift || true
case "$which" in
    memory | sqlite | all) ;;
    *)
        echo "usage: scripts/mutation.sh [memory|sqlite|all] [cargo-mutants flags...]" >&2
        exit 2
        ;;
esac

# cargo-mutants knows a `Result` only by that name: for a function returning
# the contract's alias `RegistryResult<T>` it proposes `RegistryResult::new()`
# and the like, which do not compile, and never `Ok(...)`. So the mutants are
# drawn from a copy of the workspace in which the two crates spell the alias
# out (`Result<T, procreg::RegistryError>`, the same type, on the same line);
# file and line numbers in the results are the real ones.
TREE=target/mutants/tree
rm -rf "$TREE"
mkdir -p "$TREE"
# Tracked and untracked files (not ignored ones), skipping any deleted but
# not yet committed.
git ls-files -z --cached --others --exclude-standard | grep -zv '^target/' |
    while IFS= read -r -d '' file; do
        if [ -e "$file" ]; then printf '%s\0' "$file"; fi
    done |
    xargs -0 cp --parents -t "$TREE"
find "$TREE/reference-impl/src" "$TREE/backends/sqlite/src" -name '*.rs' -print0 |
    xargs -0 perl -0pi -e \
        's/\bRegistryResult(<((?:[^<>]++|(?1))*)>)/Result<$2, procreg::RegistryError>/g'

run_memory() {
    # The reference registry against the kit alone: the conformance suite and
    # the model check (tests/tests/conformance_memory.rs), and the public API
    # pins (tests/tests/public_api.rs); none of the reference's own tests.
    # cargo-mutants 27 runs its unmutated baseline on the mutated package's
    # own tests whatever `--test-package` says, so the baseline is skipped
    # here: CI runs the same test unmutated on every change.
    cargo mutants --dir "$TREE" --package procreg-memory --test-package procreg-tests \
        --baseline skip --timeout 120 --build-timeout 600 \
        --output target/mutants/memory "$@" \
        -- --test conformance_memory --test public_api
}

run_sqlite() {
    # SQLite against its whole test set: the kit's suite, model check,
    # handle races, kill -9 and simulation, plus its file-handling tests.
    # Their database files go to memory when it can (fsync costs nothing
    # there; kill -9 still loses what SQLite had not written), which halves
    # a mutant's test time.
    if [ -d /dev/shm ] && [ -w /dev/shm ]; then
        export TMPDIR=/dev/shm
    fi
    cargo mutants --dir "$TREE" --package procreg-sqlite --test-package procreg-sqlite \
        --baseline skip --timeout 120 --build-timeout 600 --output target/mutants/sqlite "$@"
}

status=0
case "$which" in
    memory) run_memory "$@" || status=$? ;;
    sqlite) run_sqlite "$@" || status=$? ;;
    all)
        run_memory "$@" || status=$?
        run_sqlite "$@" || status=$?
        ;;
esac
# cargo-mutants exits 2 when a mutant survived, 3 on a timeout; the counts are
# in target/mutants/<crate>/mutants.out/outcomes.json.
exit "$status"
