#!/usr/bin/env bash
# ctest test_slurm_harness (label slurm): the test cluster of tests/slurm/cluster
# runs real job arrays, and scripts/slurm/summarize.sbatch hands each array task
# its share of the list: RNNLOSS names a stand-in that records its arguments
# (test_summarize.sh, issue 16's test of 40 recordings, runs the real
# `rnnloss summarize`). Skipped (77) without the Slurm packages
# (RNNLOSS_WITH_SLURM=1 scripts/deps) or without root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cluster=$here/cluster
sbatchScript=$here/../../scripts/slurm/summarize.sbatch

for b in slurmctld slurmd sbatch squeue sinfo scontrol scancel munged mungekey munge unmunge; do
  command -v "$b" >/dev/null ||
    { echo "skipped: $b is not installed (RNNLOSS_WITH_SLURM=1 scripts/deps)"; exit 77; }
done
[[ $(id -u) == 0 ]] || { echo "skipped: the test cluster runs as root"; exit 77; }

T=$(mktemp -d)
chmod 755 "$T" # munged, as the munge user, reaches its files inside
trap '"$cluster" stop "$T/cluster"; rm -rf "$T"' EXIT
mkdir -p "$T/cluster" "$T/work/out" "$T/work/logs"
cd "$T/work"
started=$SECONDS
phase() { echo "test_slurm_harness: $* ($((SECONDS - started)) s)"; }
"$cluster" start "$T/cluster" --cpus 6 # every task of an array at once
export SLURM_CONF=$T/cluster/slurm.conf
phase "cluster up"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
expect_wait() { # JOBID EXPECTED-STATUS EXPECTED-LINES
  local got rc=0
  got=$("$cluster" wait "$T/cluster" "$1" 60) || rc=$?
  [[ $rc == "$2" ]] || fail "cluster wait $1 exited $rc, expected $2; it printed: $got"
  [[ $got == "$3" ]] || fail "job $1: tasks
$got
expected
$3"
}

# 1. A throw-away array: each task writes its index; task 4 fails with 3.
cat >index.sh <<'EOF'
#!/bin/bash
echo "$SLURM_ARRAY_TASK_ID" >"out/index-$SLURM_ARRAY_TASK_ID"
[[ $SLURM_ARRAY_TASK_ID != 4 ]] || exit 3
EOF
job=$(sbatch --parsable --array=0-5 --output="logs/index-%a.out" index.sh)
expect_wait "$job" 1 "0 COMPLETED 0:0
1 COMPLETED 0:0
2 COMPLETED 0:0
3 COMPLETED 0:0
4 FAILED 3:0
5 COMPLETED 0:0"
for i in 0 1 2 3 4 5; do
  [[ $(cat "out/index-$i") == "$i" ]] || fail "task $i did not write its index"
done
phase "6-task array done"

# 2. The project's summarize.sbatch over a list, as a user submits it (the
#    #SBATCH lines overridden for this cluster), with a stand-in rnnloss that
#    records its arguments and fails on task 1, as a task with a broken
#    recording does.
cat >fake-rnnloss <<'EOF'
#!/bin/bash
printf '%s\n' "$@" >"out/call-$SLURM_ARRAY_TASK_ID"
[[ $SLURM_ARRAY_TASK_ID != 1 ]] || { echo "broken.h5: not an HDF5 file"; exit 1; }
EOF
chmod +x fake-rnnloss
printf '%s\n' a.h5 b.h5 c.h5 d.h5 e.h5 >list.txt
submit=(sbatch --parsable --partition=debug --time=5 --mem=100M --chdir="$T/work")
job=$("${submit[@]}" --array=0-2 --output="logs/summarize-%a.out" \
  --export=ALL,RNNLOSS="$T/work/fake-rnnloss",OUT_DIR="$T/sums" "$sbatchScript" list.txt --force)
expect_wait "$job" 1 "0 COMPLETED 0:0
1 FAILED 1:0
2 COMPLETED 0:0"
for i in 0 1 2; do
  want=$(printf '%s\n' summarize --list list.txt --task-index "$i" --tasks 3 --out-dir "$T/sums" --force)
  [[ $(cat "out/call-$i") == "$want" ]] || fail "task $i ran rnnloss with: $(cat "out/call-$i")"
done
grep -q '^broken.h5: not an HDF5 file$' logs/summarize-1.out || fail "task 1's log lacks its error"
phase "summarize.sbatch array done"

# 3. An array that is not 0-N: summarize.sbatch refuses to guess the shares.
rm -f out/call-*
job=$("${submit[@]}" --array=1,3 --output="logs/gaps-%a.out" \
  --export=ALL,RNNLOSS="$T/work/fake-rnnloss" "$sbatchScript" list.txt)
expect_wait "$job" 1 "1 FAILED 2:0
3 FAILED 2:0"
grep -q 'set TASKS' logs/gaps-3.out || fail "the refusal does not say to set TASKS: $(cat logs/gaps-3.out)"
[[ ! -e out/call-1 && ! -e out/call-3 ]] || fail "rnnloss ran though the shares were unknown"
phase "array with gaps refused"

# 4. stop leaves none of the cluster's daemons running.
pids=$(cat "$T"/cluster/pid.*)
"$cluster" stop "$T/cluster"
for p in $pids; do
  ! kill -0 "$p" 2>/dev/null || fail "process $p still runs after stop"
done
phase "stopped; passed"
