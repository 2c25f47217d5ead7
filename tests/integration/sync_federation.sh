#!/usr/bin/env bash
# Six nodes federated on loopback: see sync_federation.py.
set -euo pipefail
cd "$(dirname "$0")"
exec /usr/bin/python3 sync_federation.py
