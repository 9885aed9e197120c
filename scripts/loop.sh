#!/usr/bin/env bash
# Run tests again and again under load, to find the ones that fail by chance.
#
#   bash scripts/loop.sh [-n RUNS] [--hog] [pytest targets…]
#
# Default targets: every browser test and every live-server test (real daphne,
# real sockets). Odd runs keep the file order, even runs shuffle it
# (pytest-randomly, a new seed each time). --hog keeps both cores busy with
# stress-ng for the whole loop. Each run's summary goes to var/loop/summary.txt,
# a failing run's whole output to var/loop/run-N.log; the exit status is the
# number of failed runs (0: all passed). Tests run in COUNTER_TEST_WORKERS worker processes (default
# 2, as scripts/test.sh runs them; 0: one process).
set -uo pipefail
cd "$(dirname "$0")/.."
runs=10
hog=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) runs="$2"; shift 2 ;;
    --hog) hog=1; shift ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  targets=(tests/e2e "LIVE")
fi
# The same set-up as scripts/test.sh: a fresh clone can run the loop straight away.
. scripts/_setup.sh
setup_debian gettext chromium fonts-noto-cjk
setup_python requirements-test.txt >/dev/null
setup_axe
compile_messages
python manage.py collectstatic --noinput -v0
mkdir -p var/loop
summary=var/loop/summary.txt
: >"$summary"
hog_pid=""
if [ "$hog" = 1 ]; then
  setup_debian stress-ng
  stress-ng --cpu 2 --cpu-load 90 --timeout 6h --quiet &
  hog_pid=$!
  trap '[ -n "$hog_pid" ] && kill "$hog_pid" 2>/dev/null' EXIT
fi
failed=0
for i in $(seq 1 "$runs"); do
  if [ $((i % 2)) = 1 ]; then order=(-p no:randomly); else order=("--randomly-seed=$RANDOM"); fi
  order+=(-n "${COUNTER_TEST_WORKERS:-2}" --dist worksteal)
  log="var/loop/run-$i.log"
  status=0
  for target in "${targets[@]}"; do
    if [ "$target" = LIVE ]; then
      # The live-server tests outside the browser: real daphne processes and sockets.
      pytest -q "${order[@]}" tests/queueing/test_live.py tests/queueing/test_live_sockets.py tests/queueing/test_serve.py tests/faults tests/scale \
        >>"$log" 2>&1 || status=1
    else
      pytest -q "${order[@]}" "$target" >>"$log" 2>&1 || status=1
    fi
  done
  line="run $i $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg): $(grep -hE '^[0-9]+ (passed|failed)|^=+ .*(passed|failed)' "$log" | tr '\n' ' ')"
  if [ "$status" = 0 ]; then rm -f "$log"; else failed=$((failed + 1)); line="$line FAILED (see $log)"; fi
  echo "$line" | tee -a "$summary"
done
echo "$failed of $runs runs failed" | tee -a "$summary"
exit "$failed"
