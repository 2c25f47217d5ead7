#!/usr/bin/env bash
# TAXII 2.1 integration test over real HTTP on loopback: see taxii_robust.py.
set -euo pipefail
cd "$(dirname "$0")"
exec /usr/bin/python3 taxii_robust.py
