#!/usr/bin/env bash
# ctest test_slurm_summarize (label slurm): issue 16's test against a real
# Slurm. The test cluster (tests/slurm/cluster) runs the project's own
# scripts/slurm/summarize.sbatch as a 10-task array over 40 recordings of which
# two are broken, with the rnnloss just built; then every good recording's
# summary file equals `rnnloss summarize` run here (into another folder) byte
# for byte, the two broken ones are reported with their errors in their tasks'
# logs and markers, `summarize --check` agrees, and a second submission writes
# nothing. Skipped (77) without the Slurm packages (RNNLOSS_WITH_SLURM=1
# scripts/deps) or without root.
#
#   tests/slurm/test_summarize.sh path/to/rnnloss
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cluster=$here/cluster
sbatchScript=$here/../../scripts/slurm/summarize.sbatch
cases=$here/../data/reference/cases
rnnloss=$(cd "$(dirname "${1:?usage: test_summarize.sh RNNLOSS}")" && pwd)/$(basename "$1")
[[ -x $rnnloss ]] || { echo "FAIL: $rnnloss is not a program" >&2; exit 1; }

for b in slurmctld slurmd sbatch squeue sinfo scontrol scancel munged mungekey munge unmunge; do
  command -v "$b" >/dev/null ||
    { echo "skipped: $b is not installed (RNNLOSS_WITH_SLURM=1 scripts/deps)"; exit 77; }
done
[[ $(id -u) == 0 ]] || { echo "skipped: the test cluster runs as root"; exit 77; }

T=$(mktemp -d)
chmod 755 "$T" # munged, as the munge user, reaches its files inside
trap '"$cluster" stop "$T/cluster"; rm -rf "$T"' EXIT
mkdir -p "$T/cluster" "$T/work/logs" "$T/local"
cd "$T/work"
started=$SECONDS
phase() { echo "test_slurm_summarize: $* ($((SECONDS - started)) s)"; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# 1. 40 recordings in 10 runs' folders: the reference cases and a small bench
#    recording in turn; at positions 7 and 22 (tasks 7 and 2 of 10) a
#    truncated copy and a file that is not HDF5.
"$rnnloss" bench --file "$T/bench.h5" --batch 4 --time 20 --neurons 16 --keep --reps 1 >/dev/null
sources=("$cases"/*.h5 "$T/bench.h5")
broken=()
: >list.txt
for i in $(seq 0 39); do
  dir=$T/data/run$((i % 10))
  mkdir -p "$dir"
  rec=$dir/ckpt_$i.h5
  src=${sources[$((i % ${#sources[@]}))]}
  case $i in
    7) head -c "$(($(stat -c %s "$src") / 2))" "$src" >"$rec"; broken+=("$rec") ;;
    22) echo "not a recording" >"$rec"; broken+=("$rec") ;;
    *) cp "$src" "$rec" ;;
  esac
  echo "$rec" >>list.txt
done
phase "40 recordings written"

"$cluster" start "$T/cluster" --cpus 10 # every task of the array at once
export SLURM_CONF=$T/cluster/slurm.conf
phase "cluster up"

# 2. The array, as a user submits it (the #SBATCH lines overridden for this cluster).
submit() { # LOG-PREFIX
  sbatch --parsable --partition=debug --time=5 --mem=200M --chdir="$T/work" --array=0-9 \
    --output="logs/$1-%a.out" --export=ALL,RNNLOSS="$rnnloss" "$sbatchScript" list.txt
}
expected="0 COMPLETED 0:0
1 COMPLETED 0:0
2 FAILED 2:0
3 COMPLETED 0:0
4 COMPLETED 0:0
5 COMPLETED 0:0
6 COMPLETED 0:0
7 FAILED 2:0
8 COMPLETED 0:0
9 COMPLETED 0:0"
expect_wait() { # JOBID
  local got rc=0
  got=$("$cluster" wait "$T/cluster" "$1" 60) || rc=$?
  [[ $rc == 1 && $got == "$expected" ]] ||
    fail "job $1 (cluster wait exited $rc): tasks
$got
expected
$expected
$(tail -n +1 logs/*.out)"
}
job=$(submit first)
expect_wait "$job"
phase "array of 10 tasks done"

# 3. Each good recording's summary, byte for byte the one made here.
"$rnnloss" summarize --list list.txt --out-dir "$T/local" >local.out 2>local.err && rc=0 || rc=$?
[[ $rc == 2 ]] || fail "local summarize exited $rc, expected 2: $(cat local.err)"
good=0
while read -r rec; do
  [[ " ${broken[*]} " == *" $rec "* ]] && continue
  [[ -f $rec.rnnsum ]] || fail "no summary beside $rec"
  cmp -s "$rec.rnnsum" "$T/local$rec.rnnsum" || fail "$rec.rnnsum differs from the local one"
  good=$((good + 1))
done <list.txt
((good == 38)) || fail "$good good recordings compared, expected 38"
grep -c ': written$' logs/first-*.out | awk -F: '{ n += $2 } END { exit n != 38 }' ||
  fail "the tasks did not write 38 summaries: $(grep -h ': written$' logs/first-*.out | wc -l)"

# 4. The broken ones: one "FILE: error" line each in their tasks' logs (the
#    same as here), a marker, no summary; --check agrees.
for rec in "${broken[@]}"; do
  i=${rec##*_}
  i=${i%.h5}
  log=logs/first-$((i % 10)).out
  line=$(grep "^$rec: " "$log") || fail "$log does not report $rec: $(cat "$log")"
  [[ $(grep -c "^$rec: " "$log") == 1 ]] || fail "$log reports $rec more than once"
  grep -qxF "$line" local.err || fail "$rec: the task said '$line', here: $(cat local.err)"
  [[ ! -e $rec.rnnsum ]] || fail "$rec has a summary"
  [[ $(cat "$rec.rnnsum.failed") == "$line" ]] || fail "$rec's marker: $(cat "$rec.rnnsum.failed")"
done
grep -q "ckpt_7.h5: .*truncat\|ckpt_7.h5: .*end of file\|ckpt_7.h5: .*HDF5" logs/first-7.out ||
  fail "the truncated recording's error says nothing of it: $(grep ckpt_7 logs/first-7.out)"
grep -q "ckpt_22.h5: not an HDF5 file" logs/first-2.out ||
  fail "the text file's error: $(grep ckpt_22 logs/first-2.out)"
check=$("$rnnloss" summarize --check --list list.txt) && rc=0 || rc=$?
[[ $rc == 3 ]] || fail "--check exited $rc, expected 3"
[[ $(tail -1 <<<"$check") == "40 recordings: 38 done, 0 stale, 0 missing, 2 failed" ]] ||
  fail "--check: $(tail -1 <<<"$check")"
for rec in "${broken[@]}"; do
  grep -q "^$rec: failed: " <<<"$check" || fail "--check does not say $rec failed"
done
phase "summaries compared, failures reported, --check agrees"

# 5. A second submission writes nothing: every good summary is current (and
#    untouched), the broken ones fail again.
before=$(stat -c '%n %Y %s' "$T"/data/run*/*.rnnsum | sort)
job=$(submit second)
expect_wait "$job"
grep -h ': written$' logs/second-*.out && fail "the second submission wrote summaries"
n=$(grep -h ': current$' logs/second-*.out | wc -l)
((n == 38)) || fail "$n current in the second submission, expected 38"
[[ $(stat -c '%n %Y %s' "$T"/data/run*/*.rnnsum | sort) == "$before" ]] ||
  fail "the second submission touched summary files"
phase "second submission: all current"

# 6. stop leaves none of the cluster's daemons running.
pids=$(cat "$T"/cluster/pid.*)
"$cluster" stop "$T/cluster"
for p in $pids; do
  ! kill -0 "$p" 2>/dev/null || fail "process $p still runs after stop"
done
phase "stopped; passed"
