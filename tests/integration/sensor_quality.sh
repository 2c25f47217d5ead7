#!/usr/bin/env bash
# sensor_quality.sh - early-warning quality over many seeds of generated traffic with realistic
# noise (over-dispersed counts, a diurnal cycle, source churn, heavy hitters, research scans,
# DoS backscatter, spoofed packets): campaigns detected (recall), alerts that belong to a
# campaign (precision), and time to detect. Fails below the floors; prints the figures.
#   SEEDS=50 bash tests/integration/sensor_quality.sh     (default 12 seeds of 96 hours)
set -euo pipefail

tools=${RK_TOOLS_DIR:?}
corpus=${RK_CORPUS:?}
seeds=${SEEDS:-12}
work=$(mktemp -d /tmp/rk_sensor_quality.XXXXXX)
trap 'rm -rf "$work"' EXIT

: >"$work/results"
for seed in $(seq 101 $((100 + seeds))); do
    "$tools/sensor_gen" --seed "$seed" --hours 96 --campaigns 5 --out "$work/q.pcap" \
        --labels "$work/q.json"
    "$tools/sensor_check" --labels "$work/q.json" --input "$work/q.pcap" --quality \
        --scanners "$corpus/indicators/warninglists/censys-scanning.json" >>"$work/results"
done
ttd_median=$(awk '{print $12}' "$work/results" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
awk -v seeds="$seeds" -v med="$ttd_median" '
{ c += $2; d += $4; a += $6; t += $8; f += $10; if ($14 > mx) mx = $14 }
END {
    recall = d / c; precision = a ? t / a : 1
    printf "seeds %d campaigns %d detected %d recall %.3f alerts %d false %d precision %.3f ", \
        seeds, c, d, recall, a, f, precision
    printf "ttd_median_s %d ttd_max_s %d\n", med, mx
    if (recall < 0.9 || precision < 0.9) { print "below the quality floor (0.9 / 0.9)"; exit 1 }
}' "$work/results"
