#!/usr/bin/env bash
# The identity and rights commands of renkei: see taxii_cli.py.
set -euo pipefail
cd "$(dirname "$0")"
exec /usr/bin/python3 taxii_cli.py
