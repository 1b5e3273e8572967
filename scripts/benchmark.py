#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmarks of vfio-pci-nvgrace on the emulated host, as ratios taken
side by side in one run (machines here are shared and noisy).

  benchmark.py BUILD [OUT]    prints the table and writes it to OUT
                              (default BUILD/benchmark.txt)

P1  CPU bandwidth on the GPU node versus node 0, in one guest, paired runs
P2  virtio-blk O_DIRECT reads into the GPU node versus node 0, paired, with
    the host's cache in writeback mode and with cache.direct=on (where QEMU
    bounces the GPU node's reads), and the same with the upstream design
    (plain vfio-pci, BAR4 as System RAM)
P3  QEMU start to the guest kernel's first message, and QEMU's peak RSS,
    with 128 GiB of GPU memory versus 1 GiB, paired runs
P4  VFIO DMA map calls for the GPU memory, 1 GiB and 128 GiB
P5  guest physical space per GiB of GPU memory, and how many GPUs fit in a
    default virt machine, this device versus the upstream BAR
"""

import datetime
import os
import platform
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "guest"))
import guest  # noqa: E402
from boot_test import write_pattern  # noqa: E402
from guest import GiB, MiB, Gpu  # noqa: E402

PAIRS = 9
P3_MAXMEM = 1 * GiB + 130 * GiB


def median_spread(values):
    return statistics.median(values), max(values) - min(values)


def p1_script():
    """gpumem bw on node 1 (the GPU memory) and node 0, alternating A B A
    B in one boot."""
    # A B, then B A: neither side always runs first.
    return "\n".join("gpumem bw %d 256 5\ngpumem bw %d 256 5" %
                     ((1, 0) if i % 2 == 0 else (0, 1))
                     for i in range(PAIRS)) + "\n"


def p1_rows(out, rows, suffix=""):
    """P1's rows from the output of p1_script()."""
    res = {0: {}, 1: {}}
    for line in out.splitlines():
        if line.startswith("node=") and "memset_mibs" in line:
            kv = dict(w.split("=") for w in line.split())
            for k in ("memset_mibs", "memcpy_mibs", "read_mibs"):
                res[int(kv["node"])].setdefault(k, []).append(float(kv[k]))
    for k, name in (("memset_mibs", "memset"), ("memcpy_mibs", "memcpy"),
                    ("read_mibs", "read")):
        gpu, gpu_spread = median_spread(res[1][k])
        ram, ram_spread = median_spread(res[0][k])
        ratios = [a / b for a, b in zip(res[1][k], res[0][k])]
        rows.append(("P1 CPU %s, GPU node / node 0%s" % (name, suffix),
                     "%.0f / %.0f MiB/s" % (gpu, ram),
                     "%.2f (pairs %.2f-%.2f)" % (statistics.median(ratios),
                                                 min(ratios), max(ratios)),
                     ">= 0.95"))


def p1_cpu_bandwidth(g, rows):
    """P1 with the GPU memory online at boot."""
    rc, out = g.boot([Gpu(online="boot")], "dt", p1_script())
    if rc:
        raise RuntimeError("gpumem bw failed:\n" + out)
    p1_rows(out, rows)


# P2: 64 MiB of a disk holding P2_SEED's pattern.
P2_MIB, P2_SEED = 64, 7


def p2_script():
    """virtio-blk O_DIRECT reads into a buffer on the GPU node and on node
    0, alternating in one guest boot (driver-managed, onlined by the
    reference module); the guest checks what it read."""
    runs = "\n".join("gpumem dio-read %d /dev/vda %d %d\n"
                     "gpumem dio-read %d /dev/vda %d %d" %
                     ((1, P2_MIB, P2_SEED, 0, P2_MIB, P2_SEED)
                      if i % 2 == 0 else
                      (0, P2_MIB, P2_SEED, 1, P2_MIB, P2_SEED))
                     for i in range(PAIRS))
    return (guest.VIRTIO_BLK_MODULES +
            "insmod /lib/modules/nvgrace_mem.ko\n" + runs + "\n")


def p2_rows(out, rows, label, target):
    """P2's row from the output of p2_script()."""
    res = {0: [], 1: []}
    for line in out.splitlines():
        if line.startswith("node=") and "dio_mibs" in line:
            kv = dict(w.split("=") for w in line.split())
            res[int(kv["node"])].append(float(kv["dio_mibs"]))
    if len(res[0]) != PAIRS or len(res[1]) != PAIRS:
        raise RuntimeError("dio-read failed:\n" + out)
    ratios = [a / b for a, b in zip(res[1], res[0])]
    rows.append(("P2 virtio-blk O_DIRECT read, GPU node / node 0" + label,
                 "%.0f / %.0f MiB/s" % (statistics.median(res[1]),
                                        statistics.median(res[0])),
                 "%.2f (pairs %.2f-%.2f)" % (statistics.median(ratios),
                                             min(ratios), max(ratios)),
                 target))


def p2_device_dma(g, rows, cache_direct=False):
    """P2 on the emulated host.  With @cache_direct the host reads the disk
    with O_DIRECT too, which cannot pin the GPU memory: QEMU bounces those
    reads, and the ratio is that copy's cost."""
    disk = os.path.join(g.tmp, "p2-disk.img")
    write_pattern(disk, 0, P2_MIB * MiB, P2_SEED)
    # 2 GiB: NVIDIA's driver onlines all but 1 GiB of a GH200's memory.
    rc, out = g.boot([Gpu(mem="2G", online="driver-managed")], "uefi",
                     p2_script(), extra=guest.virtio_blk(disk, cache_direct))
    if rc:
        raise RuntimeError("dio-read failed or read wrong data:\n" + out)
    p2_rows(out, rows, ", host cache.direct=on" if cache_direct else "",
            "" if cache_direct else ">= 0.90")


def p2_upstream_design(g, rows):
    """The same read with the upstream design on the same emulated host in
    upstream-BAR mode: plain vfio-pci, acpi-generic-initiator nodes, and
    BAR4 onlined as System RAM by the reference module (mode=bar), as
    NVIDIA's driver does in a VM.  vfio-pci maps BAR4 as ram_device, so
    QEMU's DMA into it goes through the bounce buffer."""
    mib, seed = 64, 7
    gpu = Gpu(mem="1G", abi="bar", model="gb200")
    gpu.backing = os.path.join(g.tmp, "p2-upstream.mem")
    disk = os.path.join(g.tmp, "p2-disk.img")
    write_pattern(disk, 0, mib * MiB, seed)
    script = (guest.VIRTIO_BLK_MODULES +
              "insmod /lib/modules/nvgrace_mem.ko mode=bar bar_node=1\n"
              "gpumem dio-read 0 /dev/vda %d %d\n"
              "gpumem dio-read 1 /dev/vda %d %d\n" % (mib, seed, mib, seed))
    cmd = g.command([gpu], "uefi", 1 * GiB, g.initrd(script, "p2-initrd"),
                    extra=guest.virtio_blk(disk))
    dev = next(i for i, a in enumerate(cmd) if a.startswith("vfio-pci-"))
    cmd[dev] = "vfio-pci,host=%s,id=gpu0,bus=rp0" % gpu.host
    for n in range(1, 9):
        cmd += ["-object", "acpi-generic-initiator,id=gi%d,pci-dev=gpu0,"
                "node=%d" % (n, n)]
    env = dict(os.environ, LD_PRELOAD=g.host_lib,
               NVGRACE_HOST=g.host_spec([gpu]))
    try:
        res = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL,
                             capture_output=True, timeout=120)
        out, err, hung = res.stdout, res.stderr, False
    except subprocess.TimeoutExpired as e:
        out, err, hung = e.stdout or b"", e.stderr or b"", True
    out = out.decode(errors="replace")
    err = err.decode(errors="replace").strip().splitlines()
    speeds = {int(kv["node"]): float(kv["dio_mibs"])
              for kv in (dict(w.split("=") for w in line.split())
                         for line in out.splitlines()
                         if line.startswith("node=") and "dio_mibs" in line)}
    if 1 in speeds and 0 in speeds:
        result = "%.0f / %.0f MiB/s" % (speeds[1], speeds[0])
        ratio = "%.2f (one pair)" % (speeds[1] / speeds[0])
    else:
        result = "read into BAR4 RAM failed%s: QEMU: %s" % (
            ", guest hung (killed after 120 s)" if hung else "",
            err[-1] if err else "(nothing)")
        ratio = "-"
    rows.append(("P2 same, upstream design (BAR4 as System RAM)", result,
                 ratio, "(comparison)"))


def start_to_first_message(g, mem):
    """Seconds from QEMU's start to the guest kernel's first console
    line, QEMU's peak RSS in KiB then, and the emulated host's count of
    DMA mappings of the GPU memory."""
    # Driver-managed under UEFI: neither edk2 nor the kernel touch the GPU
    # memory before the kernel's first message (memory onlined at boot
    # would be: Debian's kernel maps it page by page at boot, 8 bytes of
    # page table per 4 KiB), so the difference is QEMU's.
    gpu = Gpu(mem=mem, online="driver-managed")
    gpu.backing = os.path.join(g.tmp, "p3-%s.mem" % mem)
    with open(gpu.backing, "wb"):
        pass
    # The same machine for both sizes: a larger maxmem alone moves virt's
    # high MMIO regions up and makes edk2 map more address space.
    cmd = g.command([gpu], "uefi", 1 * GiB,
                    os.path.join(g.stack, "base.cpio"), maxmem=P3_MAXMEM)
    # earlycon: the kernel prints as soon as it runs.
    cmd[cmd.index("-append") + 1] += " earlycon ignore_loglevel"
    env = dict(os.environ, LD_PRELOAD=g.host_lib,
               NVGRACE_HOST=g.host_spec([gpu]),
               NVGRACE_HOST_STATS=os.path.join(g.tmp, "stats"))
    start = time.monotonic()
    qemu = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for line in qemu.stdout:
            if b"Booting Linux" in line:
                break
        else:
            raise RuntimeError("the kernel printed nothing: %s" %
                               qemu.stderr.read().decode())
        elapsed = time.monotonic() - start
        with open("/proc/%d/status" % qemu.pid) as f:
            hwm = next(int(v.split()[1]) for v in f
                       if v.startswith("VmHWM:"))
        with open(os.path.join(g.tmp, "stats")) as f:
            stats = dict(v.split() for v in f if v.strip())
    finally:
        qemu.kill()
        qemu.wait()
        os.unlink(gpu.backing)
    return elapsed, hwm, int(stats[gpu.host + ".coherent_dma_maps"])


def p3_p4_startup(g, rows):
    small, large = [], []
    for i in range(PAIRS):
        if i % 2:
            large.append(start_to_first_message(g, "128G"))
            small.append(start_to_first_message(g, "1G"))
        else:
            small.append(start_to_first_message(g, "1G"))
            large.append(start_to_first_message(g, "128G"))
    t_small = statistics.median(s[0] for s in small)
    t_large = statistics.median(s[0] for s in large)
    ratios = [b[0] / a[0] for a, b in zip(small, large)]
    rows.append(("P3 start to first guest message, 128 GiB / 1 GiB",
                 "%.3f / %.3f s" % (t_large, t_small),
                 "%.3f (pairs %.2f-%.2f)" % (statistics.median(ratios),
                                             min(ratios), max(ratios)),
                 "<= 1.05"))
    rss_small = statistics.median(s[1] for s in small)
    rss_large = statistics.median(s[1] for s in large)
    rows.append(("P3 QEMU peak RSS, 128 GiB - 1 GiB",
                 "%d / %d MiB" % (rss_large // 1024, rss_small // 1024),
                 "%+.1f MiB" % ((rss_large - rss_small) / 1024),
                 "<= +16 MiB"))
    rows.append(("P4 VFIO DMA map calls for the GPU memory, 1 GiB / 128 GiB",
                 "%d / %d" % (small[0][2], large[0][2]), "", "1 each"))


def pow2(v):
    p = 1
    while p < v:
        p <<= 1
    return p


def p5_address_space(rows):
    """Guest physical space per GPU.  Upstream: BAR4 is the next power of
    two of usemem in virt's high PCI MMIO window (512 GiB by default), and
    GH200's BAR2 (2 GiB) too.  This device: the memory itself, in device
    memory, aligned to 1 GiB; nothing in the MMIO window but BAR0 and
    BAR2."""
    window = 512 * GiB
    for size_gib in (95, 143, 186):
        size = size_gib * GiB
        upstream = pow2(size) + 2 * GiB
        ours = size
        rows.append(("P5 GPA per GiB of GPU memory, %d GiB GPU" % size_gib,
                     "ours %.2f, upstream %.2f" % (ours / size,
                                                   upstream / size),
                     "", ""))
        rows.append(("P5 GPUs in virt's default 512 GiB MMIO window, "
                     "%d GiB" % size_gib,
                     "ours %d (BAR0+BAR2 only), upstream %d" %
                     (window // (2 * GiB + 16 * MiB), window // upstream),
                     "", ""))


def main():
    build = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        build, "benchmark.txt")
    g = guest.Guest(build)
    rows = []
    try:
        p1_cpu_bandwidth(g, rows)
        p2_device_dma(g, rows)
        p2_device_dma(g, rows, cache_direct=True)
        p2_upstream_design(g, rows)
        p3_p4_startup(g, rows)
        p5_address_space(rows)
    finally:
        g.close()
    write_table(rows, "%s host, %s" % (platform.machine(), g.accel()[1]),
                out)


def write_table(rows, where, path):
    """Print @rows, measured on @where, and write them to @path."""
    lines = ["vfio-pci-nvgrace benchmarks, %s, %s, %d pairs" %
             (datetime.date.today().isoformat(), where, PAIRS), ""]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in [("measure", "values", "ratio", "target")] + rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
