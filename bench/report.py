#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench/report.py RUNDIR [DESTDIR]: turn one bench/run.sh result directory
into table.md, results.csv, results.json and chart.png (the chart only if
matplotlib imports).  Writes them into RUNDIR and, if given, DESTDIR too;
prints the table with the PASS/MISS lines of the project's targets.

Ratios compare IOPS (the same as MB/s within a job); loopx is compared
with stock loop in the same DIO mode: loopx-dio with loop-dio, loopx-buf
with loop-buf, and loopx-xts (loopx's aes-xts-plain64) with loop-dmcrypt
(dm-crypt's on stock loop).
"""
import csv
import json
import os
import shutil
import sys

TARGETS = ["raw", "nullb", "loop-dio", "loop-buf", "loopx-dio", "loopx-buf",
           "loop-dmcrypt", "loopx-xts"]
PEER = {"loopx-dio": "loop-dio", "loopx-buf": "loop-buf",
        "loopx-xts": "loop-dmcrypt"}


def read_env(path):
    """key=value lines, as bench.sh and run.sh write them."""
    env = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                key, sep, val = line.rstrip("\n").partition("=")
                if sep:
                    env[key] = val
    return env


def fio_result(path):
    """IOPS, MB/s and p99 completion latency (µs) of a group-reported run."""
    with open(path) as f:
        text = f.read()
    # fio may put a warning line before the JSON document.
    job = json.loads(text[text.index("{"):])["jobs"][0]
    iops = mbs = 0.0
    p99 = None
    for d in ("read", "write"):
        r = job[d]
        if r["io_bytes"] == 0:
            continue
        iops += r["iops"]
        mbs += r["bw_bytes"] / 1e6
        pct = r["clat_ns"].get("percentile", {})
        if "99.000000" in pct:
            p99 = max(p99 or 0, pct["99.000000"] / 1000)
    return iops, mbs, p99


def cpu_busy(run, job, target):
    """Guest CPU busy % over the run (all vCPUs), None if not recorded."""
    p = os.path.join(run, "fio", f"{job}@{target}.cpu")
    try:
        with open(p) as f:
            return float(f.read().strip())
    except (OSError, ValueError):
        return None


def load_rows(run):
    order = []
    if not os.path.exists(os.path.join(run, "runs.txt")):
        return []  # BENCH_JOBS matched no job
    with open(os.path.join(run, "runs.txt")) as f:
        for line in f:
            job, target = line.split()
            if job not in order:
                order.append(job)
    rows = []
    for job in order:
        res = {}
        for t in TARGETS:
            p = os.path.join(run, "fio", f"{job}@{t}.json")
            if os.path.exists(p):
                res[t] = fio_result(p)
        for t in TARGETS:
            if t not in res:
                continue
            iops, mbs, p99 = res[t]
            row = {"job": job, "target": t, "iops": iops, "mb_s": mbs,
                   "p99_us": p99, "cpu_pct": cpu_busy(run, job, t),
                   "x_loop": None, "x_raw": None}
            if t in PEER and res.get(PEER[t], (0,))[0] > 0:
                row["x_loop"] = iops / res[PEER[t]][0]
            if t != "raw" and res.get("raw", (0,))[0] > 0:
                row["x_raw"] = iops / res["raw"][0]
            rows.append(row)
    return rows


def fields_of(run, name):
    """The whitespace-split lines of a run's NAME, none if it is missing."""
    p = os.path.join(run, name)
    if not os.path.exists(p):
        return []
    with open(p) as f:
        return [line.split() for line in f]


def load_attach(run):
    """Best round per (method, driver): cycles per second."""
    best = {}
    for method, driver, _, cycles, secs in fields_of(run, "attach.txt"):
        rate = int(cycles) / float(secs)
        key = (method, driver)
        best[key] = max(best.get(key, 0), rate)
    return best


def load_memory(run):
    """Smallest round per (cpus, driver): (devices, KiB unbound, KiB bound)
    per device; noise only ever adds memory."""
    best = {}
    for driver, cpus, n, unbound, bound in fields_of(run, "memory.txt"):
        n = int(n)
        key = (int(cpus), driver)
        cur = (n, int(unbound) / n, int(bound) / n)
        old = best.get(key)
        best[key] = cur if old is None else \
            (n, min(old[1], cur[1]), min(old[2], cur[2]))
    return best


def memory_ratios(memory):
    """Per CPU count: (loop, loopx) KiB per device, unbound and bound."""
    out = []
    for cpus in sorted({c for c, _ in memory}):
        lo, lx = memory.get((cpus, "loop")), memory.get((cpus, "loopx"))
        if lo and lx:
            out.append((cpus, lo, lx))
    return out


def memory_targets(memory):
    """Issue 12's limits: an idle device costs what loop's does, a bound
    idle one at most 1.5x loop's."""
    out = []
    for what, i, limit in (("unbound device <= stock loop's memory", 1, 1.0),
                           ("bound device <= 1.5x stock loop's memory", 2,
                            1.5)):
        pairs = [(f"{cpus} CPUs", lx[i] / lo[i])
                 for cpus, lo, lx in memory_ratios(memory) if lo[i] > 0]
        if not pairs:
            out.append((what, "n/a", "no data"))
            continue
        worst = max(pairs, key=lambda p: p[1])
        ok = all(r <= limit for _, r in pairs)
        out.append((what, "PASS" if ok else "MISS",
                    f"worst {worst[1]:.2f}x ({worst[0]})"))
    return out


def check_targets(rows, attach):
    """(name, verdict, detail) for each target of the project."""
    def verdict(pairs, limit):
        if not pairs:
            return "n/a", "no data"
        worst = min(pairs, key=lambda p: p[1])
        ok = all(r >= limit for _, r in pairs)
        return ("PASS" if ok else "MISS"), f"worst {worst[1]:.2f}x ({worst[0]})"

    vs_loop = [(f"{r['job']} {r['target']}", r["x_loop"]) for r in rows
               if r["x_loop"] is not None and r["target"] != "loopx-xts"]
    vs_dmcrypt = [(f"{r['job']}", r["x_loop"]) for r in rows
                  if r["x_loop"] is not None and r["target"] == "loopx-xts"]
    qd32 = [(f"{r['job']} {r['target']}", r["x_loop"]) for r in rows
            if r["x_loop"] is not None and r["target"] == "loopx-dio"
            and r["job"].startswith("rand") and "-qd32-" in r["job"]]
    seq = [(f"{r['job']} {r['target']}", r["x_raw"]) for r in rows
           if r["job"].startswith("seq") and r["target"] == "loopx-dio"
           and r["x_raw"] is not None]
    out = [
        ("every job >= 1.0x stock loop", *verdict(vs_loop, 1.0)),
        ("direct 4k random QD32 >= 2x stock loop", *verdict(qd32, 2.0)),
        ("direct 1M sequential >= 0.9x raw file", *verdict(seq, 0.9)),
        ("aes-xts: every job >= 1.0x loop + dm-crypt",
         *verdict(vs_dmcrypt, 1.0)),
    ]
    lo, lx = attach.get(("ioctl", "loop")), attach.get(("ioctl", "loopx"))
    pairs = [("ioctl loop", lx / lo)] if lo and lx else []
    out.append(("attach+detach >= 2x stock loop", *verdict(pairs, 2.0)))
    return out


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def table_md(rows, attach, memory, targets, meta, host):
    lines = []
    lines.append("| job | target | IOPS | MB/s | p99 µs | CPU % | loopx/peer | ÷raw |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        lines.append(
            f"| {r['job']} | {r['target']} | {r['iops']:.0f} | "
            f"{r['mb_s']:.1f} | {fmt(r['p99_us'], '.0f')} | "
            f"{fmt(r['cpu_pct'], '.0f')} | "
            f"{fmt(r['x_loop'], '.2f')} | {fmt(r['x_raw'], '.2f')} |")
    lines.append("")
    lines.append("| attach+detach | loop cycles/s | loopx cycles/s | loopx/loop |")
    lines.append("|---|---:|---:|---:|")
    for method, what in (("ioctl", "ioctl loop (attach-cycle)"),
                         ("cli", "losetup vs cli/loopx processes")):
        lo, lx = attach.get((method, "loop")), attach.get((method, "loopx"))
        ratio = lx / lo if lo and lx else None
        lines.append(f"| {what} | {fmt(lo, '.1f')} | {fmt(lx, '.1f')} | "
                     f"{fmt(ratio, '.2f')} |")
    lines.append("")
    if memory:
        lines.append("| memory per device, KiB | devices | loop | loopx "
                     "| loopx/loop |")
        lines.append("|---|---:|---:|---:|---:|")
        for cpus, lo, lx in memory_ratios(memory):
            for what, i in (("unbound", 1), ("bound, idle", 2)):
                ratio = lx[i] / lo[i] if lo[i] > 0 else None
                lines.append(f"| {what}, {cpus} CPUs | {lo[0]} | "
                             f"{lo[i]:.0f} | {lx[i]:.0f} | "
                             f"{fmt(ratio, '.2f')} |")
        lines.append("")
    lines.append("| target | result | detail |")
    lines.append("|---|---|---|")
    for name, v, detail in targets:
        lines.append(f"| {name} | {v} | {detail} |")
    lines.append("")
    # Say what was really compared: a DIO request the driver refused
    # would make "dio" rows buffered ones.
    dio = ", ".join(
        f"{t} dio={meta.get(f'target.{t}.dio', '?')}"
        + (f" ({meta[f'target.{t}.dio_reason']})"
           if meta.get(f"target.{t}.dio_reason") else "")
        for t in TARGETS if t in PEER or t in PEER.values())
    lines.append(f"Devices: {dio}.")
    lines.append(
        f"Guest: {meta.get('guest.kernel', '?')}, "
        f"{int(meta.get('guest.mem_kib', 0)) // 1024} MiB, "
        f"{meta.get('guest.nproc', '?')} vCPU (QEMU TCG); "
        f"{meta.get('fio', 'fio')}, {meta.get('runtime', '?')} s runs "
        f"after {meta.get('ramp', '?')} s ramp.")
    lines.append(
        f"Host: {host.get('host.model', '?')}, {host.get('host.nproc', '?')}"
        f" cores, {int(host.get('host.mem_kib', 0)) // 1048576} GiB, "
        f"{host.get('host.kernel', '?')}; load {host.get('host.loadavg', '?')}"
        f" and {host.get('host.other_qemus', '?')} QEMU process(es) at start; "
        f"{host.get('date', '?')}, git {host.get('git', '?')}.")
    return "\n".join(lines) + "\n"


def write_csv(path, rows, attach):
    cols = ["job", "target", "iops", "mb_s", "p99_us", "cpu_pct", "x_loop",
            "x_raw"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r[c] is None else
                        (round(r[c], 3) if isinstance(r[c], float) else r[c])
                        for c in cols])
        # Attach rates in the IOPS column: cycles per second.
        for (method, driver), rate in sorted(attach.items()):
            w.writerow([f"attach-detach-{method}", driver, round(rate, 3),
                        "", "", "", ""])


def chart(path, rows, attach):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: no matplotlib, no chart", file=sys.stderr)
        return False
    jobs = []
    for r in rows:
        if r["job"] not in jobs:
            jobs.append(r["job"])
    get = {(r["job"], r["target"]): r for r in rows}

    fig, (top, bot) = plt.subplots(2, 1, figsize=(12, 9))
    labels = jobs + ["attach+detach"]
    x = range(len(labels))
    w = 0.38
    for k, (t, color) in enumerate((("loopx-dio", "tab:blue"),
                                    ("loopx-buf", "tab:orange"))):
        vals = [(get.get((j, t)) or {}).get("x_loop") or 0 for j in jobs]
        if k == 0:
            lo = attach.get(("ioctl", "loop"))
            lx = attach.get(("ioctl", "loopx"))
            vals.append(lx / lo if lo and lx else 0)
        else:
            vals.append(0)
        top.bar([i + (k - 0.5) * w for i in x], vals, w,
                label=f"{t} / {PEER[t]}", color=color)
    top.axhline(1.0, color="black", lw=0.8)
    top.axhline(2.0, color="green", ls="--", lw=0.8, label="2x target")
    top.set_ylabel("loopx / stock loop")
    top.set_xticks(list(x), labels, rotation=30, ha="right")
    top.legend()
    top.set_title("loopx vs stock loop (same DIO mode); higher is better")

    others = TARGETS[1:]
    w = 0.8 / len(others)
    for k, t in enumerate(others):
        vals = [(get.get((j, t)) or {}).get("x_raw") or 0 for j in jobs]
        bot.bar([i + (k - (len(others) - 1) / 2) * w
                 for i in range(len(jobs))], vals, w, label=t)
    bot.axhline(1.0, color="black", lw=0.8)
    bot.axhline(0.9, color="green", ls="--", lw=0.8, label="0.9 (seq target)")
    bot.set_ylabel("IOPS / raw file")
    bot.set_xticks(list(range(len(jobs))), jobs, rotation=30, ha="right")
    bot.legend(ncol=5, fontsize="small")
    bot.set_title("each device vs the raw file")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return True


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: report.py RUNDIR [DESTDIR]")
    run = sys.argv[1]
    meta = read_env(os.path.join(run, "meta.env"))
    host = read_env(os.path.join(run, "host.env"))
    rows = load_rows(run)
    attach = load_attach(run)
    memory = load_memory(run)
    targets = check_targets(rows, attach) + memory_targets(memory)

    files = ["table.md", "results.csv", "results.json"]
    with open(os.path.join(run, "table.md"), "w") as f:
        f.write(table_md(rows, attach, memory, targets, meta, host))
    write_csv(os.path.join(run, "results.csv"), rows, attach)
    with open(os.path.join(run, "results.json"), "w") as f:
        json.dump({
            "meta": meta, "host": host, "rows": rows,
            "attach": [{"method": m, "driver": d, "cycles_per_s": v}
                       for (m, d), v in sorted(attach.items())],
            "memory": [{"cpus": c, "driver": d, "devices": v[0],
                        "kib_unbound": v[1], "kib_bound": v[2]}
                       for (c, d), v in sorted(memory.items())],
            "targets": [{"target": n, "result": v, "detail": d}
                        for n, v, d in targets],
        }, f, indent=1)
        f.write("\n")
    if chart(os.path.join(run, "chart.png"), rows, attach):
        files.append("chart.png")
    if len(sys.argv) == 3:
        # A chart left from an earlier run would pass for this one's.
        stale = os.path.join(sys.argv[2], "chart.png")
        if "chart.png" not in files and os.path.exists(stale):
            os.remove(stale)
        for name in files:
            shutil.copy(os.path.join(run, name), sys.argv[2])
    with open(os.path.join(run, "table.md")) as f:
        sys.stdout.write(f.read())
    dest = sys.argv[2] if len(sys.argv) == 3 else run
    print(f"report: {', '.join(os.path.join(dest, n) for n in files)}")


if __name__ == "__main__":
    main()
