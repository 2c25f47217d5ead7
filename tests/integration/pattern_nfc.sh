#!/usr/bin/env bash
# pattern_nfc.sh - renkei's NFC (src/pattern/nfc.c, used by LIKE and MATCHES) against Python's
# unicodedata.normalize('NFC') on every decomposable or combining code point, their NFD forms,
# reordered mark sequences and Hangul syllables. The tables come from the same Unicode version.
set -euo pipefail
tool="${RK_TOOLS_DIR:?}/pattern_nfc"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import random, sys, unicodedata as ud
random.seed(7)
out = []
marks = [c for c in range(0x300, 0x2000) if ud.combining(chr(c))]
for cp in range(0x110000):
    if 0xD800 <= cp <= 0xDFFF:
        continue
    ch = chr(cp)
    if ud.decomposition(ch) or ud.combining(ch) or 0xAC00 <= cp <= 0xD7A3 or 0x1100 <= cp <= 0x11FF:
        out.append(ch)
        out.append(ud.normalize('NFD', ch))
        out.append('a' + ch + chr(random.choice(marks)) + chr(random.choice(marks)))
for _ in range(20000):
    s = ''.join(chr(random.choice([0x41, 0x61, 0x1100, 0x1161, 0x11A8, 0xAC00, 0x0CC6,
                                   0x0CC2, 0x0CD5, 0x0B47, 0x0B3E, 0x1025, 0x102E] + marks))
                for _ in range(random.randint(1, 8)))
    out.append(s)
with open(sys.argv[1] + '/in.txt', 'w', encoding='utf-8') as f:
    f.write('\n'.join(out) + '\n')
with open(sys.argv[1] + '/want.txt', 'w', encoding='utf-8') as f:
    f.write('\n'.join(ud.normalize('NFC', s) for s in out) + '\n')
print(len(out), "strings")
PY
# U+2028/U+2029/U+0085 are not line breaks for getline; none of the inputs contain '\n'
"$tool" < "$work/in.txt" > "$work/got.txt"
if ! cmp -s "$work/want.txt" "$work/got.txt"; then
    echo "pattern_nfc: NFC differs from Python's on these inputs:" >&2
    diff <(paste -d'|' "$work/in.txt" "$work/want.txt") <(paste -d'|' "$work/in.txt" "$work/got.txt") | head -20 >&2
    exit 1
fi
echo "pattern_nfc: $(wc -l < "$work/in.txt") strings normalised as Python does"
echo "1 passed, 0 failed"
