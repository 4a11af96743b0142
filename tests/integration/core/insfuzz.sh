#!/usr/bin/env bash
# Instruction fuzzer, smoke run (issue #8): /test/insfuzz jumps into seeded random and biased
# byte sequences (wrfsbase, %fs loads, popf AC/TF/DF, int $0x80, far jumps to 32-bit code,
# unmasked x87/SSE exceptions...) with random registers, each in its own child process, then
# makes a kernel call or faults; vrsim must survive every run and print its digest
# (tests/stress/insfuzz.py; the 10,000-run version is stress.core.insfuzz).
# INSFUZZ_RUNS/INSFUZZ_SEED override the 2000 runs of seed 1.
. "$(dirname "$0")/../lib.sh"
runs=${INSFUZZ_RUNS:-2000}
seed=${INSFUZZ_SEED:-1}
set +e
python3 "$(dirname "$0")/../../stress/insfuzz.py" --vrsim "$VRSIM" --image "$TESTIMAGE" \
    --runs "$runs" --seed "$seed" --jobs "$(nproc)" --watchdog-ms 20 --classify-max 40 \
    --details 3 >"$TMP/insfuzz.out" 2>&1
rc=$?
set -e
cat "$TMP/insfuzz.out"
expect_eq "insfuzz: $runs runs, vrsim survived every one" "$rc" 0
expect_match "insfuzz: summary" "$(tail -n 1 "$TMP/insfuzz.out")" \
    "^insfuzz: $runs runs .* 0 failure\(s\)$"
# the fuzzer really runs: some children come back from their tail's kernel call, others fault
expect_match "insfuzz: children returned from kernel calls" "$(tail -n 1 "$TMP/insfuzz.out")" \
    'tail-exit [1-9]'
expect_match "insfuzz: children faulted" "$(tail -n 1 "$TMP/insfuzz.out")" 'SIGSEGV [1-9]'
finish
