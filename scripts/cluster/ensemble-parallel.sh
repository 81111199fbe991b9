#!/bin/bash
# The same ensemble with GNU parallel on one machine, or over ssh hosts (-S host1,host2 with a shared
# file system): one job per member, J at a time.
#
#   scripts/cluster/ensemble-parallel.sh data.h5 ensemble-folder 8 4
set -euo pipefail
DATA=$1; OUT=$2; K=$3; J=${4:-2}; shift 4 || shift $#
seq 0 "$K" | parallel -j "$J" --halt now,fail=1 npx qst train "$DATA" --bootstrap "$K" --member {} --out "$OUT" --quiet "$@"
