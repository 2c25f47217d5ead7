#!/usr/bin/env bash
# demo.sh BIN DIR - create the demo node in DIR if absent (ATT&CK data, a demo user), then
# serve it over TAXII 2.1 and print how to connect.
set -euo pipefail
bin=$1
dir=$2
attack="$(dirname "$0")/../../shared/corpus/stix/attack"
port=${RENKEI_DEMO_PORT:-8443}
creds="$dir/demo-user.txt" # the demo user's secret, kept so every 'make run' can show it

if [[ ! -e "$dir/renkei.db" ]]; then
    "$bin" --data "$dir" init --name renkei-demo --org demo-csirt
    if [[ -d "$attack" ]]; then
        echo "renkei: importing the MITRE ATT&CK bundles from ../shared/corpus/stix/attack"
        # index.json is ATT&CK's catalogue, not STIX; the two ICS releases share ids, so the
        # import reports their differing copies as conflicts and keeps the first.
        "$bin" --data "$dir" import --org demo-csirt "$attack"/*-attack-*.json || [[ $? -eq 1 ]]
    fi
    "$bin" -q --data "$dir" collection grant default org:demo-csirt read,write
    "$bin" -q --data "$dir" user add analyst --org demo-csirt --role writer --json |
        tail -1 > "$creds"
    chmod 600 "$creds"
fi
secret=$(sed -e 's/.*"secret":"\([^"]*\)".*/\1/' "$creds")
"$bin" --data "$dir" stats | head -4
cat <<EOF

renkei: the demo node serves TAXII 2.1 at https://127.0.0.1:$port/taxii2/
  user:    analyst (organisation demo-csirt, role writer)
  secret:  $secret
  list the collections:
    curl --cacert $dir/tls/cert.pem -H 'Accept: application/taxii+json;version=2.1' \\
         -u analyst:$secret https://127.0.0.1:$port/api/collections/
  ten ATT&CK objects:
    curl --cacert $dir/tls/cert.pem -H 'Accept: application/taxii+json;version=2.1' \\
         -u analyst:$secret 'https://127.0.0.1:$port/api/collections/default/objects/?limit=10'
  stop with Ctrl-C.

EOF
exec "$bin" --data "$dir" serve --port "$port"
