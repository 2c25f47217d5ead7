#!/usr/bin/env bash
# demo.sh BIN DIR - create the demo node in DIR if absent, load the ATT&CK data, run the node.
set -euo pipefail
bin=$1
dir=$2
attack="$(dirname "$0")/../../shared/corpus/stix/attack"

if [[ ! -e "$dir/renkei.db" ]]; then
    "$bin" --data "$dir" init --name renkei-demo --org demo-csirt
    if [[ -d "$attack" ]]; then
        echo "renkei: importing the MITRE ATT&CK bundles from ../shared/corpus/stix/attack"
        # index.json is ATT&CK's catalogue, not STIX; the two ICS releases share ids, so the
        # import reports their differing copies as conflicts and keeps the first.
        "$bin" --data "$dir" import "$attack"/*-attack-*.json || [[ $? -eq 1 ]]
    fi
fi
exec "$bin" --data "$dir" stats
