#!/usr/bin/python3
"""Checks for sensor_cli.sh: the CLI's outputs against sensor_gen's ground truth.

usage: sensor_cli.py COMMAND ARGS...

  split PCAP CUT OUT1 OUT2      classic pcap split by timestamp: records before CUT (seconds,
                                may have a fraction) go to OUT1, the rest to OUT2
  bins LABELS EXPORT            `sensor export --format json` (bins) against every labelled bin
  top-ports LABELS TOP [START]  `sensor top --by port --json` against the labels' ports, summed
                                over all bins (or only the bin START, with unique sources)
  top-sources LABELS TOP START  `sensor top --by source --json` of one bin and sensor
  alerts LABELS ALERTS          every campaign detected, no false alert
  stix LABELS BUNDLE ALERTS     the published objects: one summary per bin with the sensor's
                                TLP marking, a report per alert, renkei's fixed objects
  geo-tables ASN COUNTRY        write an ASN and a country table covering IPv4
  geo EXPORT_SOURCES EXPORT_GROUPS KIND   group rows (asns or countries, CSV) against the
                                source rows mapped through the tables of geo-tables
  svg SVG TOP                   the plot parses as SVG and names the top ports
  same-objects A B              two STIX bundles hold the same objects (id, modified)

Exits 1 with one line per mismatch.
"""
import csv
import json
import struct
import sys
import xml.etree.ElementTree as ET

TLP = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
}
FP = ["mirai", "zmap", "masscan", "spoofed", "research"]

problems = []


def bad(msg):
    problems.append(msg)
    if len(problems) <= 40:
        print(msg, file=sys.stderr)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def iso(secs):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(secs))


def ns_text(ns):
    return iso(ns // 10**9)[:-1] + ".%09dZ" % (ns % 10**9)


# ---- split -----------------------------------------------------------------------------------

def cmd_split(path, cut, out1, out2):
    cut = float(cut)
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        bad("split: only little-endian classic pcap")
        return
    scale = 1e6 if magic == 0xA1B2C3D4 else 1e9
    parts = [[data[:24]], [data[:24]]]
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack("<IIII", data[pos:pos + 16])
        rec = data[pos:pos + 16 + caplen]
        parts[0 if sec + frac / scale < cut else 1].append(rec)
        pos += 16 + caplen
    for out, p in ((out1, parts[0]), (out2, parts[1])):
        with open(out, "wb") as f:
            f.write(b"".join(p))
    print(f"split: {len(parts[0]) - 1} + {len(parts[1]) - 1} records")


# ---- bins ------------------------------------------------------------------------------------

def port_key(p):
    return (p["proto"], p["port"])


def check_ports(where, want, got):
    rows = {(r["protocol"], r["port"]): r for r in got}
    if len(rows) != len(want):
        bad(f"{where}: {len(rows)} port rows, want {len(want)}")
    for p in want:
        r = rows.get(port_key(p))
        if r is None:
            bad(f"{where}: no row for port {port_key(p)}")
            continue
        for k in ("packets", "sources", "packets_clean", "sources_clean"):
            if r[k] != p[k]:
                bad(f"{where} port {port_key(p)}: {k} {r[k]}, want {p[k]}")
        if [r["scan_packets"], r["backscatter_packets"], r["other_packets"]] != p["class_packets"]:
            bad(f"{where} port {port_key(p)}: classes differ")
        if not r["exact"]:
            bad(f"{where} port {port_key(p)}: not exact")


def fp_bits(text):
    return sum(1 << FP.index(n) for n in text.split(";") if n)


def check_sources(where, want, got, merged):
    rows = {r["source"]: r for r in got}
    for s in want:
        r = rows.get(s["addr"])
        if r is None:
            bad(f"{where}: no row for source {s['addr']}")
            continue
        if r["packets"] != s["packets"] or r["first_seen"] != ns_text(s["first_ns"]) or \
                r["last_seen"] != ns_text(s["last_ns"]):
            bad(f"{where} source {s['addr']}: packets/first/last differ")
        if [r["scan_packets"], r["backscatter_packets"], r["other_packets"]] != s["class_packets"]:
            bad(f"{where} source {s['addr']}: classes differ")
        if fp_bits(r["fingerprints"]) != s["fp"]:
            bad(f"{where} source {s['addr']}: fingerprints {r['fingerprints']}, want {s['fp']}")
        exact = r["exact"]
        if not merged and not exact:
            bad(f"{where} source {s['addr']}: not exact")
        for k in ("dsts", "ports"):
            if (exact and r[k] != s[k]) or (not exact and not 1 <= r[k] <= s[k]):
                bad(f"{where} source {s['addr']}: {k} {r[k]}, want {s[k]} (exact {exact})")


def check_bin(where, lab, got, merged):
    for k in ("packets", "bytes", "sources"):
        if got[k] != lab[k]:
            bad(f"{where}: {k} {got[k]}, want {lab[k]}")
    if got["ports"] != lab["ports_count"]:
        bad(f"{where}: {got['ports']} ports, want {lab['ports_count']}")
    classes = [got["scan_packets"], got["backscatter_packets"], got["other_packets"]]
    if classes != lab["class_packets"]:
        bad(f"{where}: classes {classes}, want {lab['class_packets']}")
    fpp = [got[f + "_packets"] for f in FP]
    fps = [got[f + "_sources"] for f in FP]
    if fpp != lab["fp_packets"] or fps != lab["fp_sources"]:
        bad(f"{where}: fingerprints {fpp} {fps}, want {lab['fp_packets']} {lab['fp_sources']}")
    check_ports(where, lab["ports"], got["port_rows"])
    check_sources(where, lab["sources_sample"], got["source_rows"], merged)
    if len(got["source_rows"]) != lab["sources"]:
        bad(f"{where}: {len(got['source_rows'])} source rows, want {lab['sources']}")
    prefixes = [(p["prefix"], p["packets"], p["sources"]) for p in got["prefix_rows"][:10]]
    want = [(p["prefix"], p["packets"], p["sources"]) for p in lab["top_prefixes"]]
    if len(got["prefix_rows"]) != lab["prefixes_count"] or prefixes != want:
        bad(f"{where}: prefixes differ")


def cmd_bins(labels, export, *flags):
    lab = load(labels)
    merged = "--merged" in flags
    got = {(b["sensor"], b["bin_start"]): b for b in load_lines(export)}
    labelled = set()
    for b in lab["bins"]:
        key = (b["sensor"], iso(b["start"]))
        labelled.add(key)
        if key not in got:
            bad(f"bin {key} missing")
            continue
        check_bin(f"bin {key}", b, got[key], merged)
    for key, b in got.items():  # bins the labels leave out saw nothing
        if key not in labelled and b["packets"] != 0:
            bad(f"bin {key}: {b['packets']} packets, want none")
    n_exact = sum(1 for b in got.values() if b["exact"])
    print(f"bins: {len(lab['bins'])} labelled bins checked, {len(got)} exported, "
          f"{n_exact} exact")


# ---- top -------------------------------------------------------------------------------------

def cmd_top_ports(labels, top, start=None):
    lab = load(labels)
    t = load(top)
    sums = {}
    sources = {}
    total = 0
    for b in lab["bins"]:
        if start is not None and b["start"] != int(start):
            continue
        total += b["packets"]
        for p in b["ports"]:
            sums[port_key(p)] = sums.get(port_key(p), 0) + p["packets"]
            sources[port_key(p)] = sources.get(port_key(p), 0) + p["sources"]
    want = sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))[:len(t["rows"])]
    got = [((r["protocol"], r["port"]), r["packets"]) for r in t["rows"]]
    if got != want:
        bad(f"top ports {got[:5]}..., want {want[:5]}...")
    if t["packets"] != total:
        bad(f"top: {t['packets']} packets in the range, want {total}")
    for r in t["rows"]:
        share = 100.0 * r["packets"] / total
        if abs(r["share"] - share) > 1e-6:
            bad(f"top: share of {r['label']} {r['share']}, want {share}")
        if start is not None and r["sources"] != sources[(r["protocol"], r["port"])]:
            bad(f"top: {r['label']} sources {r['sources']}, want "
                f"{sources[(r['protocol'], r['port'])]}")
    print(f"top ports: {len(got)} rows over {total} packets")


def cmd_top_sources(labels, top, start):
    lab = load(labels)
    t = load(top)
    sensor = t["sensors"][0]
    b = next(b for b in lab["bins"] if b["start"] == int(start) and b["sensor"] == sensor)
    # the labels hold every source with 50 packets or more (and a sample of the rest)
    heavy = sorted((s for s in b["sources_sample"] if s["packets"] >= 50),
                   key=lambda s: (-s["packets"], s["addr"]))
    got_heavy = [r for r in t["rows"] if r["packets"] >= 50]
    if [r["packets"] for r in got_heavy] != [s["packets"] for s in heavy[:len(got_heavy)]] or \
            (len(got_heavy) < len(t["rows"]) and len(got_heavy) != len(heavy)):
        bad(f"top sources {[(r['source'], r['packets']) for r in t['rows']]}, want the "
            f"heavy ones {[(s['addr'], s['packets']) for s in heavy]} first")
    by_addr = {s["addr"]: s for s in b["sources_sample"]}
    for r in t["rows"]:
        s = by_addr.get(r["source"])
        if s is None and r["packets"] < 50:
            continue  # not in the sample
        if s is None or s["packets"] != r["packets"] or s["dsts"] != r["dsts"] or \
                s["ports"] != r["ports"] or fp_bits(";".join(r["fingerprints"])) != s["fp"]:
            bad(f"top source {r['source']}: {r} does not match the labels")
    print(f"top sources: {len(t['rows'])} rows of bin {start} {sensor}")


# ---- alerts ----------------------------------------------------------------------------------

def matches(c, a):
    return (a["sensor"] == "*" or a["sensor"] in c["sensors"]) and a["proto"] == c["proto"] and \
        a["port"] == c["port"] and c["start"] <= a["bin_start"] <= c["start"] + 6 * 3600


def cmd_alerts(labels, alerts):
    camps = load(labels)["campaigns"]
    al = load(alerts)
    for c in camps:
        if not any(matches(c, a) for a in al):
            bad(f"campaign {c['port']}/tcp at {iso(c['start'])} not detected")
    for a in al:
        if not any(matches(c, a) for c in camps):
            bad(f"false alert {a['rule']} {a['sensor']} {a['label']} {a['bin']}")
    print(f"alerts: {len(al)} alerts for {len(camps)} campaigns")


# ---- STIX ------------------------------------------------------------------------------------

def cmd_stix(labels, bundle, alerts):
    lab = load(labels)
    objs = load(bundle)["objects"]
    al = load(alerts)
    tlp = {s["name"]: TLP[s["tlp"]] for s in lab["sensors"]}
    summaries = [o for o in objs if o["type"] == "renkei-darknet-summary"]
    per = {}
    for o in summaries:
        per.setdefault(o["sensor_name"], []).append(o)
        if o.get("object_marking_refs") != [tlp[o["sensor_name"]]]:
            bad(f"{o['id']}: marking {o.get('object_marking_refs')}, want sensor's")
    bins = {}
    for b in lab["bins"]:
        bins.setdefault(b["sensor"], {})[iso(b["start"])] = b
    for name, objs_s in per.items():
        for o in objs_s:
            b = bins[name].get(o["first_observed"][:19] + "Z")
            if b and (o["packets"] != b["packets"] or o["sources"] != b["sources"]):
                bad(f"{o['id']}: packets/sources {o['packets']}/{o['sources']}, want "
                    f"{b['packets']}/{b['sources']}")
    hours = lab["generator"]["hours"]
    for s in lab["sensors"]:
        if len(per.get(s["name"], [])) != hours:
            bad(f"{s['name']}: {len(per.get(s['name'], []))} summaries, want {hours}")
    for o in objs:
        name = None
        if o["type"] in ("observed-data", "indicator", "sighting", "report", "note"):
            marks = o.get("object_marking_refs")
            if not marks or marks[0] not in TLP.values():
                bad(f"{o['id']}: no TLP marking")
    reports = [o for o in objs if o["type"] == "report"]
    if len(reports) != len(al):
        bad(f"{len(reports)} reports, want one per alert ({len(al)})")
    by_id = {o["id"]: o for o in objs}
    summary_of = {(o["sensor_name"], o["first_observed"]): o for o in summaries}
    n_evidence = 0
    for r in reports:  # a sensor's alert carries its sources as evidence
        ext = next(iter(r["extensions"].values()))
        if ext["sensor_name"] == "*":
            continue
        evidence = [by_id.get(i) for i in r["object_refs"] if i.startswith("observed-data--")]
        own = [e for e in evidence
               if e and all(by_id.get(x, {}).get("type") == "ipv4-addr" for x in e["object_refs"])
               and e["first_observed"] >= ext["bin_start"]]
        if len(own) < 1:
            bad(f"{r['id']}: no observed-data of the alert's sources")
            continue
        n_evidence += 1
        # as many sources as the port had clean ones in the alerting bin, up to 20
        s = summary_of.get((ext["sensor_name"], ext["bin_start"]))
        row = next((p for p in (s or {}).get("top_ports", [])
                    if p["port"] == ext["port"] and p["protocol"] == "tcp"), None)
        named = max(len(e["object_refs"]) for e in own)  # the rest are single scanners
        if row and named != min(20, row["sources_clean"]):
            bad(f"{r['id']}: evidence names {named} sources, want {min(20, row['sources_clean'])}")
        for e in own:
            if e.get("object_marking_refs") != r.get("object_marking_refs"):
                bad(f"{e['id']}: marking differs from its report's")
    if reports and n_evidence == 0:
        bad("no report with evidence")
    for t, n in (("extension-definition", 1), ("attack-pattern", 1)):
        if sum(1 for o in objs if o["type"] == t) != n:
            bad(f"want {n} {t}")
    if not any(o["type"] == "identity" and o["name"] == "renkei" for o in objs):
        bad("renkei's identity is missing")
    print(f"stix: {len(objs)} objects, {len(summaries)} summaries, {len(reports)} reports")


def refs_of(o):
    for k, v in o.items():
        if k.endswith("_ref") and isinstance(v, str):
            yield v
        elif k.endswith("_refs") and isinstance(v, list):
            yield from v


def cmd_bundle(bundle):
    """Each object once, and every reference resolves inside the bundle (markings aside)."""
    objs = load(bundle)["objects"]
    keys = [(o["id"], o.get("modified")) for o in objs]
    if len(set(keys)) != len(keys):
        bad(f"{len(keys) - len(set(keys))} repeated objects")
    ids = {o["id"] for o in objs}
    dangling = {r for o in objs for r in refs_of(o)
                if not r.startswith("marking-definition--") and r not in ids}
    if dangling:
        bad(f"{len(dangling)} references to objects not in the bundle, e.g. {sorted(dangling)[0]}")
    print(f"bundle: {len(objs)} objects, all references resolve")


def cmd_same_objects(a, b):
    x = {(o["id"], o.get("modified")) for o in load(a)["objects"]}
    y = {(o["id"], o.get("modified")) for o in load(b)["objects"]}
    if x != y:
        bad(f"bundles differ: {len(x - y)} only in the first, {len(y - x)} only in the second")
    print(f"same objects: {len(x)}")


# ---- geo -------------------------------------------------------------------------------------

CC = ["US", "CN", "RU", "BR", "DE", "JP", "IN"]


def asn_of(ip):
    return 64500 + int(ip.split(".")[0]) // 32


def cc_of(ip):
    return CC[int(ip.split(".")[0]) % len(CC)]


def cmd_geo_tables(asn_path, cc_path):
    with open(asn_path, "w", encoding="utf-8") as f:
        f.write("ip_range_start,ip_range_end,as_number,as_organization\n")
        for k in range(8):
            f.write(f"{k * 32}.0.0.0,{k * 32 + 31}.255.255.255,{64500 + k},\"Example {k}, Ltd\"\n")
    with open(cc_path, "w", encoding="utf-8") as f:
        f.write("ip_range_start,ip_range_end,country_code\n")
        for o in range(256):
            f.write(f"{o}.0.0.0,{o}.255.255.255,{CC[o % len(CC)]}\n")


def cmd_geo(sources_csv, groups_csv, kind):
    want = {}
    with open(sources_csv, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if ":" in r["source"]:
                continue
            key = (r["bin_start"], r["sensor"],
                   str(asn_of(r["source"])) if kind == "asns" else cc_of(r["source"]))
            if kind == "asns" and r["asn"] != key[2] or kind == "countries" and \
                    r["country"] != key[2]:
                bad(f"source {r['source']}: asn/country {r['asn']}/{r['country']}")
            w = want.setdefault(key, [0, 0])
            w[0] += int(r["packets"])
            w[1] += 1
    got = {}
    with open(groups_csv, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = (r["bin_start"], r["sensor"], r["asn"] if kind == "asns" else r["country"])
            got[key] = [int(r["packets"]), int(r["sources"])]
            if kind == "asns" and r["name"] != f"Example {(int(r['asn']) - 64500)}, Ltd":
                bad(f"{key}: name {r['name']}")
    if got != want:
        bad(f"{kind}: {len(got)} rows, want {len(want)}; first difference "
            f"{next((k for k in want if got.get(k) != want[k]), None)}")
    print(f"geo {kind}: {len(got)} rows")


# ---- svg -------------------------------------------------------------------------------------

def cmd_svg(path, top):
    root = ET.parse(path).getroot()
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        bad(f"{path}: root is {root.tag}")
    text = " ".join("".join(e.itertext()) for e in root.iter())
    rows = load(top)["rows"]
    for r in rows:
        if r["label"] not in text:
            bad(f"{path}: port {r['label']} is not in the legend")
    print(f"svg: {len(rows)} ports in the legend")


def main():
    cmds = {"bundle": cmd_bundle, "split": cmd_split, "bins": cmd_bins, "top-ports": cmd_top_ports,
            "top-sources": cmd_top_sources, "alerts": cmd_alerts, "stix": cmd_stix,
            "geo-tables": cmd_geo_tables, "geo": cmd_geo, "svg": cmd_svg,
            "same-objects": cmd_same_objects}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    cmds[sys.argv[1]](*sys.argv[2:])
    if problems:
        print(f"{len(problems)} problems", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
