#!/usr/bin/env bash
# End-to-end checks of the `procreg` binary the main job built, as a CI job would use it:
# reports parsed and asserted, serve + check over TCP, the exit codes, and the
# 1,000-seed simulation sweep of the reference registry.
set -euo pipefail
cd "$(dirname "$0")/.."

procreg=target/debug/procreg
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "e2e: FAILED: $*" >&2; exit 1; }
expect_exit() { # expected-code description command...
  local want=$1 what=$2; shift 2
  local got=0
  "$@" >"$work/out.txt" 2>"$work/err.txt" || got=$?
  [ "$got" = "$want" ] || { cat "$work/out.txt" "$work/err.txt" >&2; fail "$what: exit $got, expected $want"; }
  echo "e2e: ok: $what (exit $got)"
}

cargo build -q --bin procreg

# 1. check: text and JUnit outputs, parsed.
expect_exit 0 "check, text report" "$procreg" check --quiet --seeds 8
grep -q '^result: all passed$' "$work/out.txt" || fail "text report lacks the verdict"
grep -q '^phase 4/5 simulation: 8 of 8 seeds passed' "$work/out.txt" || fail "text report lacks the simulation phase"
expect_exit 0 "check, JUnit report" "$procreg" check --quiet --seeds 2 --format junit --out "$work/report.xml"
report="$work/report.xml"
suite=$(grep -o '<testsuite [^>]*>' "$report" | head -1)
[ -n "$suite" ] || fail "JUnit report has no <testsuite>"
declared=$(printf '%s' "$suite" | sed -n 's/.* tests="\([0-9]*\)".*/\1/p')
failures=$(printf '%s' "$suite" | sed -n 's/.* failures="\([0-9]*\)".*/\1/p')
cases=$(grep -o '<testcase ' "$report" | wc -l)
[ "$cases" -ge 181 ] && [ "$cases" = "$declared" ] || fail "JUnit: $cases test cases, tests=\"$declared\""
[ "$failures" = "0" ] && ! grep -q '<failure' "$report" || fail "JUnit report has failures"
echo "e2e: ok: JUnit report parsed: $cases test cases, 0 failures"

# 2. serve in one process, check --backend tcp:// in another.
"$procreg" serve --listen 127.0.0.1:0 2>"$work/serve.txt" &
server_pid=$!
for _ in $(seq 1 100); do grep -q 'tcp://' "$work/serve.txt" 2>/dev/null && break; sleep 0.1; done
address=$(grep -o 'tcp://[0-9.]*:[0-9]*' "$work/serve.txt" | head -1)
[ -n "$address" ] || fail "serve did not announce its address: $(cat "$work/serve.txt")"
expect_exit 0 "check --backend $address --strict" "$procreg" check --backend "$address" --strict --quiet
grep -q '0 failed, 0 skipped' "$work/out.txt" || fail "tcp check report: $(cat "$work/out.txt")"
expect_exit 0 "32 simulation seeds over $address" "$procreg" sim --backend "$address" --seeds 0..32 --quiet
tail -2 "$work/out.txt"

# 3. exit codes.
expect_exit 1 "a mutant fails the suite" "$procreg" check --backend mutant:release_ignores_token --only LEASE --quiet
expect_exit 1 "a mutant fails the simulation" "$procreg" sim --seeds 2 --backend mutant:sweep_lists_terminal --quiet
expect_exit 2 "an unknown backend scheme" "$procreg" check --backend redis://localhost
expect_exit 2 "a busy port" "$procreg" serve --listen "${address#tcp://}"
expect_exit 3 "nobody listening" "$procreg" check --backend tcp://127.0.0.1:9
kill "$server_pid"; server_pid=""

# 4. the reference registry through 1,000 seeds of the simulation; SQLite
#    through 200 with registry crashes, and again through the first 50: the
#    merge refuses (exit 2) any seed whose trace hash differs between runs.
expect_exit 0 "1,000 simulation seeds" "$procreg" sim --seeds 0..1000 --quiet
tail -2 "$work/out.txt"
expect_exit 0 "200 simulation seeds on SQLite" "$procreg" sim --backend "sqlite:$work/sim.db" \
  --seeds 0..200 --quiet --format json --out "$work/sqlite-a.json"
grep -q '"faults": "crash,bounce,partition,sink-partition,hold,latency,stall,registry-crash"' "$work/sqlite-a.json" \
  || fail "the SQLite sweep did not crash the registry host"
grep -q '"runs": 200' "$work/sqlite-a.json" || fail "the SQLite sweep did not run 200 seeds"
expect_exit 0 "50 SQLite seeds again" "$procreg" sim --backend "sqlite:$work/sim.db" \
  --seeds 0..50 --quiet --format json --out "$work/sqlite-b.json"
expect_exit 0 "the two SQLite runs give the same hashes" "$procreg" merge-reports \
  "$work/sqlite-a.json" "$work/sqlite-b.json" --format text
tail -2 "$work/out.txt"
expect_exit 0 "50 SQLite seeds with a handle per worker" "$procreg" sim --backend "sqlite:$work/shared.db" \
  --topology shared-store --seeds 0..50 --quiet
grep -q '50 of 50 seeds passed (seeds 0..50, 4 workers with a handle each on one store' "$work/out.txt" \
  || fail "shared-store sweep: $(tail -1 "$work/out.txt")"
tail -2 "$work/out.txt"

# 5. kill -9: SQLite's registry process SIGKILLed 200 times, audited after
#    every restart; a write-behind SQLite fails, named in the JUnit report.
expect_exit 0 "200 kills of SQLite's registry process" "$procreg" check --backend "sqlite:$work/kill.db" \
  --only kill9 --kills 200 --quiet
grep -q '^phase 5/5 kill -9: passed: 200 kills' "$work/out.txt" || fail "kill -9 report: $(cat "$work/out.txt")"
grep '^phase 5/5' "$work/out.txt"
expect_exit 1 "a write-behind SQLite loses an acknowledged append" "$procreg" check \
  --backend mutant:sqlite_unflushed_append --only kill9 --quiet --format junit --out "$work/kill9.xml"
grep -q 'name="kill9_seed_0"' "$work/kill9.xml" && grep -q '<failure' "$work/kill9.xml" \
  || fail "the JUnit report lacks the failing kill -9 case"

# 6. the cargo-test replay a failing check prints (`cargo test <id> -- --exact`)
#    runs exactly that one test. `--workspace` resolves features as the README's
#    test command does, so this builds nothing that command does not reuse.
cargo test -q --workspace --test conformance_memory lease_stale_release_is_a_no_op -- --exact >"$work/out.txt" 2>&1 \
  || { cat "$work/out.txt" >&2; fail "the printed cargo-test replay does not run"; }
grep -q "running 1 test" "$work/out.txt" && grep -q "test result: ok. 1 passed" "$work/out.txt" \
  || { cat "$work/out.txt" >&2; fail "the printed cargo-test replay did not run exactly one test"; }
echo "e2e: ok: the printed cargo-test replay runs exactly one test"
