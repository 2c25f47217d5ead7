#!/usr/bin/env bash
# renkei match grep mode against independent references on the real lists of the corpus:
#  - grepcidr -x (the Debian package; scripts/deps.sh installs it) on IP lists, byte for byte,
#    with -c and -v, on one and two threads;
#  - grep -F -x -i on domain and hash lists (renkei with --exact-domains);
#  - match_reference.py, a naive reader written here, for subdomain semantics and mixed lists.
# Intended differences from grepcidr, left out of its comparison (docs/match.md): "host/path"
# trails are URLs to renkei (grepcidr reads "1.2.3.4/1/gate.php" as the CIDR 1.2.3.4/1), and
# hosts-file lines give their names, not the 0.0.0.0 in front.
set -euo pipefail
: "${RENKEI:?}" "${RK_CORPUS:?}" "${RK_SOURCE_DIR:?}"
command -v grepcidr > /dev/null || { echo "grepcidr is missing (apt-get install grepcidr)"; exit 1; }
ref="$RK_SOURCE_DIR/tests/integration/match_reference.py"
ind="$RK_CORPUS/indicators"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

same() { # name, then two files
    if cmp -s "$2" "$3"; then
        echo "ok   $1"
    else
        echo "FAIL $1"; diff "$2" "$3" | head -5; fail=1
    fi
}

# Inputs: random addresses, addresses from the lists, and awkward lines.
/usr/bin/python3 - "$work/ips.txt" "$ind" <<'PY'
import random, sys, glob
r = random.Random(20250101)
out = open(sys.argv[1], "w")
pool = []
for f in glob.glob(sys.argv[2] + "/ip/*") + [sys.argv[2] + "/maltrail/mass_scanner.txt"]:
    for line in open(f, encoding="latin-1"):
        t = line.split()
        if t and t[0][0].isdigit():
            pool.append(t[0].split("/")[0].split(":")[0])
for i in range(60000):
    out.write("%d.%d.%d.%d\n" % tuple(r.randrange(256) for _ in range(4)))
for a in r.sample(pool, 30000):
    tail = r.choice(["", "", ":443", " x", "\r", ",y", "x", ".5", "/24"])
    out.write(a + tail + "\n")
for w in ["", " 1.2.3.4", "01.2.3.4", "2001:db8::1", "::1", "fe80::1:2", "not an ip", "1.2.3", "255.255.255.255"]:
    out.write(w + "\n")
out.write("77.90.185.20")  # no final line end
PY

# The address lines of a list. With -v, a list that also holds URL paths (mass_scanner.txt
# has "/w00tw00t...") makes renkei judge slash lines of the input as URLs, which grepcidr
# ignores; -v is compared on the address lines of such lists.
ip_view() {
    grep -E '^[[:space:]]*([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:.]*)' "$1" || true
}

ip_lists=("ip/ipsum.txt" "ip/blocklistproject_malware.ip" "ip/blocklistproject_abuse.ip"
          "maltrail/mass_scanner.txt" "maltrail/mass_scanner_cidr.txt")
for l in "${ip_lists[@]}"; do
    list="$ind/$l"
    for opt in "" "-c" "-v"; do
        if [[ "$opt" == "-v" ]]; then
            ip_view "$ind/$l" > "$work/list_view"
            list="$work/list_view"
        fi
        grepcidr -x $opt -f "$list" "$work/ips.txt" > "$work/want" 2> /dev/null || true
        for t in 1 2; do
            "$RENKEI" -q match --threads $t --list "$list" $opt "$work/ips.txt" > "$work/got" || true
            same "grepcidr -x $opt $l (threads $t)" "$work/want" "$work/got"
        done
        /usr/bin/python3 "$ref" $opt "$list" "$work/ips.txt" > "$work/want_ref"
        same "reference $opt $l" "$work/want_ref" "$work/got"
    done
done

# Mixed maltrail trails: grepcidr reads their IPv4 lines only; give it those lines.
for l in maltrail/malware/zeus.txt maltrail/malware/emotet.txt maltrail/malicious/bad_proxy.txt \
         maltrail/suspicious/onion.txt; do
    [[ -f "$ind/$l" ]] || continue
    grep -E '^[0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?([: #].*)?$' "$ind/$l" > "$work/ipv4only" || true
    grepcidr -x -f "$work/ipv4only" "$work/ips.txt" > "$work/want" 2> /dev/null || true
    "$RENKEI" -q match --list "$ind/$l" "$work/ips.txt" > "$work/got" || true
    same "grepcidr -x, IPv4 lines of $l" "$work/want" "$work/got"
done

# Domains: exact against grep -F -x -i, subdomains against the reference.
dl="$ind/domains/blocklistproject_ransomware.txt"
awk '!/^#/ && NF >= 2 {print tolower($2)}' "$dl" > "$work/plain_domains"
/usr/bin/python3 - "$work/plain_domains" "$work/names.txt" <<'PY'
import random, sys
r = random.Random(7)
names = [l.strip() for l in open(sys.argv[1]) if l.strip()]
out = open(sys.argv[2], "w")
for d in names:
    out.write(d + "\n")
    out.write(r.choice(["www.", "a.b.", "x-", "sub."]) + d + "\n")
    out.write(d.upper() + ".\n")
    out.write("not" + d + "\n")
for i in range(5000):
    out.write("".join(r.choice("abcdefghij") for _ in range(8)) + r.choice([".com", ".net", ".org"]) + "\n")
PY
grep -F -x -i -c -f "$work/plain_domains" <(sed 's/\.$//' "$work/names.txt") > "$work/want" || true
"$RENKEI" match --exact-domains -c --list "$dl" "$work/names.txt" > "$work/got" || true
same "grep -F -x -i -c (exact domains)" "$work/want" "$work/got"
/usr/bin/python3 "$ref" -x "$dl" "$work/names.txt" > "$work/want"
"$RENKEI" match -x --list "$dl" "$work/names.txt" > "$work/got" || true
same "reference, exact domains" "$work/want" "$work/got"
/usr/bin/python3 "$ref" "$dl" "$work/names.txt" > "$work/want"
"$RENKEI" match --list "$dl" "$work/names.txt" > "$work/got" || true
same "reference, domains with subdomains" "$work/want" "$work/got"
grep -q '^www\.' "$work/got" || { echo "FAIL subdomains of listed domains were not selected"; fail=1; }

# Hashes, CRLF list: grep -F -x -i on the list without its CRs; inputs in both cases.
hl="$ind/hashes/amitambekar510_malicious_SHA256_hashes_aa.txt"
tr -d '\r' < "$hl" > "$work/plain_hashes"
{ head -3000 "$work/plain_hashes"; head -2000 "$work/plain_hashes" | tr a-f A-F;
  head -3000 "$ind/hashes/amitambekar510_malicious_SHA256_hashes_ab.txt" | tr -d '\r'; } > "$work/hashq.txt"
grep -F -x -i -c -f "$work/plain_hashes" "$work/hashq.txt" > "$work/want" || true
"$RENKEI" match -c --list "$hl" "$work/hashq.txt" > "$work/got" || true
same "grep -F -x -i -c (SHA-256, case-insensitive)" "$work/want" "$work/got"
[[ "$(cat "$work/got")" == 5000 ]] || { echo "FAIL expected 5000 hash lines, got $(cat "$work/got")"; fail=1; }

# Exit status as grep's: 0 found, 1 none, 2 trouble.
set +e
echo 203.0.113.1 | "$RENKEI" match -l "$ind/ip/ipsum.txt" > /dev/null; s1=$?
echo 77.90.185.20 | "$RENKEI" match -l "$ind/ip/ipsum.txt" > /dev/null; s0=$?
"$RENKEI" match -l /nonexistent/list.txt "$work/ips.txt" > /dev/null 2>&1; s2=$?
set -e
[[ "$s0$s1$s2" == "012" ]] || { echo "FAIL exit statuses $s0 $s1 $s2, want 0 1 2"; fail=1; }
exit $fail
