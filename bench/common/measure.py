#!/usr/bin/python3
"""measure.py - run a command several times; report the median wall time and peak RSS.

    measure.py [--runs N] [--before CMD] -- COMMAND...

Prints one JSON line: {"median_s", "min_s", "max_s", "runs": [...], "median_cpu_s", "max_rss_mb",
"stdout"}. median_cpu_s is the median of the child's user + system CPU time: on a shared machine
it is the steadier measure of what one core does.
--before runs a shell command (untimed) before each run, e.g. to reset a data directory.
Peak RSS is the child's own (os.wait4), not the harness's.
"""
import json
import os
import statistics
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    runs, before = 3, None
    while args and args[0] != "--":
        if args[0] == "--runs":
            runs = int(args[1]); args = args[2:]
        elif args[0] == "--before":
            before = args[1]; args = args[2:]
        else:
            sys.exit("measure.py: unknown option " + args[0])
    cmd = args[1:]
    times, cpu, rss, out = [], [], [], ""
    for _ in range(runs):
        if before:
            subprocess.run(before, shell=True, check=True)
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        data = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        times.append(time.monotonic() - start)
        cpu.append(usage.ru_utime + usage.ru_stime)
        rss.append(usage.ru_maxrss / 1024.0)
        out = data.decode(errors="replace").strip()
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            sys.exit("measure.py: %s exited with %d" % (cmd[0], code))
    print(json.dumps({"median_s": statistics.median(times), "min_s": min(times),
                      "max_s": max(times), "runs": times,
                      "median_cpu_s": statistics.median(cpu), "max_rss_mb": max(rss),
                      "stdout": out[-400:]}))


main()
