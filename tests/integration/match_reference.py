#!/usr/bin/python3
"""match_reference.py - an independent, naive reference for `renkei match` grep mode.

    match_reference.py [-v] [-c] [-x] LIST INPUT

Reads LIST the simple way (first token of a line; '#' comments; hosts-file lines give their
names; IP:port gives the IP; CIDRs and a-b ranges through the ipaddress module) and selects
INPUT lines as docs/match.md says: an IPv4 (then IPv6) address at the start of the line that
ends at a character other than a letter, digit, dot (or colon), or else the whole line as a
hash (either case) or a domain (lower-cased, one final dot dropped; it matches a listed domain
or any subdomain of one, or only itself with -x). Linear scans, no cleverness: slow and
obviously right: address ranges are merged into a sorted union and searched with bisect.
Prints what grepcidr prints (the lines, or with -c their count).
"""
import bisect
import ipaddress
import re
import sys

HEX = re.compile(r"^[0-9a-fA-F]+$")
HOST = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")
V4 = re.compile(r"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
                r"(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])){3}$")


def domain(s):
    s = s.lower()
    if s.endswith("."):
        s = s[:-1]
    if not s or len(s) > 253 or not HOST.match(s):
        return None
    labels = s.split(".")
    if any(len(l) > 63 for l in labels) or not re.search("[a-z]", labels[-1]):
        return None
    return s


def load_list(path):
    nets4, nets6, names, hashes = [], [], set(), set()
    for raw in open(path, "rb").read().decode("latin-1").split("\n"):
        line = raw.strip().split(" #")[0].split("\t#")[0].strip()
        if not line or line[0] in "#;!":
            continue
        toks = line.split()
        first = toks[0]
        is_ip = bool(re.match(r"^\d{1,3}(\.\d{1,3}){3}$", first))
        try:
            is_ip = is_ip or bool(ipaddress.IPv6Address(first))
        except ValueError:
            pass
        if is_ip and len(toks) > 1 and domain(toks[1]):
            names.update(d for d in map(domain, toks[1:]) if d and d != "localhost")
            continue
        m = re.match(r"^(\d{1,3}(?:\.\d{1,3}){3})(?:/(\d{1,2})|:\d{1,5}|-(\d{1,3}(?:\.\d{1,3}){3}))?$", first)
        if m:
            addr = ".".join(str(int(p)) for p in m.group(1).split("."))
            if m.group(3):
                end = ".".join(str(int(p)) for p in m.group(3).split("."))
                nets4.append((int(ipaddress.IPv4Address(addr)), int(ipaddress.IPv4Address(end))))
            else:
                n = ipaddress.IPv4Network(addr + "/" + (m.group(2) or "32"), strict=False)
                nets4.append((int(n.network_address), int(n.broadcast_address)))
            continue
        try:
            n = ipaddress.IPv6Network(first, strict=False)
            nets6.append((int(n.network_address), int(n.broadcast_address)))
            continue
        except ValueError:
            pass
        if len(first) in (32, 40, 64, 128) and HEX.match(first):
            hashes.add(first.lower())
            continue
        d = domain(first)
        if d:
            names.add(d)
    return union(nets4), union(nets6), names, hashes


def union(ranges):
    """Merge (lo, hi) ranges into a sorted list of disjoint ones: (starts, ends)."""
    merged = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [m[0] for m in merged], [m[1] for m in merged]


def covered(u, a):
    i = bisect.bisect_right(u[0], a) - 1
    return i >= 0 and a <= u[1][i]


def judge(line, lists, exact):
    nets4, nets6, names, hashes = lists
    seen = match = False
    field = re.match(r"^[A-Za-z0-9.]*", line).group(0)
    if nets4[0] and V4.match(field):
        seen = True
        match = covered(nets4, int(ipaddress.IPv4Address(field)))
    if not match and nets6[0]:
        field6 = re.match(r"^[A-Za-z0-9.:]*", line).group(0)
        try:
            a = int(ipaddress.IPv6Address(field6)) if field6 and "%" not in field6 else None
        except ValueError:
            a = None
        if a is not None:
            seen = True
            match = covered(nets6, a)
    if not match and (names or hashes):
        whole = line[:-1] if line.endswith("\r") else line
        if whole and " " not in whole and "\t" not in whole:
            if len(whole) in (32, 40, 64, 128) and HEX.match(whole) and hashes:
                seen = True
                match = whole.lower() in hashes
            elif names and "/" not in whole and "@" not in whole:
                d = domain(re.sub(r":\d{1,5}$", "", whole))
                if d:
                    seen = True
                    if exact:
                        match = d in names
                    else:
                        parts = d.split(".")
                        match = any(".".join(parts[i:]) in names for i in range(len(parts)))
    return seen, match


def main():
    args = sys.argv[1:]
    invert = "-v" in args
    count = "-c" in args
    exact = "-x" in args
    args = [a for a in args if a not in ("-v", "-c", "-x")]
    lists = load_list(args[0])
    data = open(args[1], "rb").read().decode("latin-1")
    out, n = [], 0
    pieces = data.split("\n")
    for i, line in enumerate(pieces):
        last = i == len(pieces) - 1
        if last and line == "":
            break
        seen, match = judge(line, lists, exact)
        if (invert and seen and not match) or (not invert and match):
            n += 1
            out.append(line + ("" if last else "\n"))
    sys.stdout.buffer.write((str(n) + "\n").encode() if count else "".join(out).encode("latin-1"))


main()
