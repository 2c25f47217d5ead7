#!/usr/bin/env bash
# A partner's sync account: reads in the egress log, one sharing group per link: see
# sync_links.py.
set -euo pipefail
cd "$(dirname "$0")"
exec /usr/bin/python3 sync_links.py
