#!/usr/bin/env bash
# Runs experiments/acdc/torch_reference.py in parallel (one process per configuration, 1 CPU thread each) and
# collects every output line into OUTFILE. Usage: bash experiments/acdc/torch_reference_sweep.sh DATA DEVICE OUTFILE [LIMIT_S]
# Configurations: labeled-patient order (list = SSL4MIS, sorted), initialisation (pytorch = SSL4MIS, he), seeds.
set -u
DATA=$1; DEV=$2; OUTFILE=$3; LIMIT=${4:-600}
here=$(dirname "$0")
tmp=$(mktemp -d)
configs=(
  "3 list pytorch 1337" "3 list pytorch 2027" "3 list pytorch 42"
  "3 sorted pytorch 1337" "3 sorted pytorch 2027"
  "3 list he 1337" "3 list he 2027" "3 sorted he 1337"
  "7 list pytorch 1337" "7 sorted pytorch 1337"
)
for c in "${configs[@]}"; do
  set -- $c
  name="p$1-$2-$3-s$4"
  ( timeout "$LIMIT" python3 -u "$here/torch_reference.py" --data "$DATA" --device "$DEV" --threads 1 --patients "$1" \
      --order "$2" --init "$3" --seed "$4" --iterations "${ITERATIONS:-1500}" --val-every "${VAL_EVERY:-100}" 2>&1 |
      sed "s/^/$name /" >"$tmp/$name.log" ) &
done
wait
cat "$tmp"/*.log >"$OUTFILE"
grep -c RESULT "$OUTFILE"
