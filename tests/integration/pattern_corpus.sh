#!/usr/bin/env bash
# pattern_corpus.sh - every STIX pattern in the shared corpus parses; every pattern-like text of
# the spec's section 9 (and every indicator pattern in the spec) has the verdict listed in
# pattern_spec_examples.txt, and each rejected one carries a byte position.
set -euo pipefail
check="${RK_TOOLS_DIR:?}/pattern_check"
corpus="${RK_CORPUS:?}/stix"
spec="${RK_CORPUS}/../specs/stix-v2.1.md"
examples="${RK_SOURCE_DIR:?}/tests/integration/pattern_spec_examples.txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
fail() { echo "FAIL: $*" >&2; failed=$((failed + 1)); }

# 1. corpus indicators (STIX 2.1 examples, ATT&CK, medallion, the STIX 2.0 bundles)
mapfile -t files < <(find "$corpus" -name '*.json' | sort)
if "$check" --json "${files[@]}" > "$work/corpus.out" 2> "$work/corpus.err"; then
    n=$(grep -c '^ok' "$work/corpus.out" || true)
    if [[ $n -ge 100 ]]; then passed=$((passed + 1)); else fail "only $n corpus patterns found"; fi
    echo "corpus: $n indicator patterns valid"
else
    grep -v '^ok' "$work/corpus.out" >&2 || true
    fail "corpus patterns rejected"
fi
for f in medallion-default_data.json stix21-spec-examples.json talos-3cx-softphone-supply-chain-compromise.json; do
    if grep -q "$f" "$work/corpus.out"; then passed=$((passed + 1)); else fail "no patterns seen in $f"; fi
done

# 2. the spec's examples, re-extracted from the spec text, must all be listed
python3 - "$spec" "$examples" > "$work/missing.txt" <<'PY'
import html, json, re, sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
start = next(i for i, l in enumerate(lines) if l.startswith('# 9. STIX Patterning'))
end = next(i for i, l in enumerate(lines) if l.startswith('# 10. STIX Vocabularies'))
sec = '\n'.join(lines[start:end])
snips = []
for m in re.finditer(r'```([A-Za-z]*)\n(.*?)```', sec, re.S):
    if m.group(1).upper() != 'JSON':
        for block in re.split(r'\n\s*\n', m.group(2).strip()):
            snips.append(' '.join(block.split('\n')).strip())
snips += [html.unescape(m.group(1)).strip() for m in re.finditer(r'<code>(.*?)</code>', sec, re.S)]
snips += [json.loads('"' + m.group(1) + '"')
          for m in re.finditer(r'"pattern": "((?:[^"\\]|\\.)*)"', '\n'.join(lines))]
listed = set()
for l in open(sys.argv[2], encoding='utf-8'):
    l = l.rstrip('\n')
    for p in ('valid: ', 'invalid: '):
        if l.startswith(p):
            listed.add(l[len(p):])
for s in snips:
    if len(s) > 1 and s not in listed:
        print(s)
PY
if [[ -s "$work/missing.txt" ]]; then
    fail "spec examples missing from $examples:"; cat "$work/missing.txt" >&2
else
    passed=$((passed + 1))
fi

# 3. their verdicts, and a byte position for every rejection
if "$check" --lines "$examples" > "$work/spec.out" 2> "$work/spec.err"; then
    passed=$((passed + 1))
else
    grep MISMATCH "$work/spec.out" >&2 || true
    fail "spec example verdicts"
fi
if awk -F'\t' '$1 == "error" && $3 !~ /^[0-9]+$/ { bad = 1 } END { exit bad }' "$work/spec.out"; then
    passed=$((passed + 1))
else
    fail "a rejected spec example has no byte position"
fi
cat "$work/spec.err"

# 4. the reference validator's failure cases (cti-pattern-validator), each with its position
cat > "$work/bad.txt" <<'BAD'
invalid: file:size = 1280
invalid: [file:size = ]
invalid: [file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]
invalid: [file.size = 1280]
invalid: [file:name MATCHES /.*\\.dll/]
invalid: [win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] WITHIN ]
invalid: [win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] WITHIN 5 HOURS]
invalid: [win-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] WITHIN -5 SECONDS]
invalid: [network-traffic:dst_ref.value ISSUBSET ]
invalid: [file:hashes.MD5 =? 'cead3f77f6cda6ec00f57d76c9a6879f']
invalid: [x-whatever:detected == t'2457-73-22T32:81:84.1Z']
invalid: [artifact:payload_bin = b'====']
invalid: [foo:bar=1] within 2 seconds
invalid: [file:hashes.'SHA-256' = 'f00']
invalid: [win-registry-key:key = 'x'] WITHIN 5 SECONDS WITHIN 6 SECONDS
invalid: ([win-registry-key:key = 'x'] REPEATS 2 TIMES REPEATS 3 TIMES)
invalid: [win-registry-key:key = 'x'] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z'
invalid: [network-traffic:src_port = 37020 AND user-account:user_id = 'root']
valid: [foo:bar=1] REPEATS 9 TIMES
valid: ( [(network-traffic:dst_port IN(443,6443,8443) AND network-traffic:src_packets != 0) ])
valid: ([win-registry-key:key = 'x'] REPEATS 2 TIMES) REPEATS 2 TIMES
BAD
if "$check" --lines "$work/bad.txt" > "$work/bad.out" 2>&1; then
    passed=$((passed + 1))
else
    cat "$work/bad.out" >&2; fail "reference failure cases"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
