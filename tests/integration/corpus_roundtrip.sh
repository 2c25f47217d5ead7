#!/usr/bin/env bash
# Import the whole STIX corpus, export it back, and compare with what the test computes
# independently from the input files (see corpus_roundtrip.py).
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/corpus_roundtrip.py"
