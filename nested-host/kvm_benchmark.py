#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmarks under KVM: P1-P3 of scripts/benchmark.py with the test
guest as L2 under the KVM of the nested host (Linux 7.3, L1 at EL2 on
L0's TCG), on stock nvgrace-gpu's BAR4, as ratios taken side by side in
one L2 boot each.

  kvm_benchmark.py BUILD [OUT]   prints the table and writes it to OUT
                                 (default BUILD/benchmark-kvm.txt)

P1  CPU bandwidth on the GPU node versus node 0 (online=boot)
P2  virtio-blk O_DIRECT reads into the GPU node versus node 0
    (driver-managed), L2's disk being L1's virtio-blk disk, which L1's
    QEMU reads through its page cache (writeback) or with O_DIRECT
    (cache.direct=on: Linux 7.3 cannot pin the GPU memory, and QEMU
    bounces those reads)
P3  L2's QEMU from its start to the guest kernel's first message, its
    peak RSS, and its exit, with 128 GiB of GPU memory versus 2 GiB

L1's CPUs are TCG's, so the ratios say how KVM's stage-2 mapping of the
GPU memory compares with L2's RAM, not what a GH200 reaches.
"""

import os
import re
import shutil
import statistics
import sys
import tempfile

NESTED_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, NESTED_DIR)
sys.path.insert(0, os.path.join(os.path.dirname(NESTED_DIR), "scripts"))
import benchmark  # noqa: E402
import guest  # noqa: E402
import kvm_test  # noqa: E402
from boot_test import write_pattern  # noqa: E402

GiB = 1 << 30


def run(tmp, online, script, **kw):
    """L2's lines from one boot of L1 on stock Linux 7.3 (BAR4)."""
    rc, out, l2_out, _ = kvm_test.boot_linux_l2(tmp, "Image", "bar", online,
                                                script, **kw)
    if rc or "nvgrace-guest: end rc=0\n" not in l2_out + "\n":
        raise RuntimeError("L2 failed under KVM:\n" + out)
    return l2_out


# P3: L2 with the GPU of 2 GiB or the one of 128 GiB (L1's usemem; L0
# gives L1 4 GiB and 130 GiB GH200s, and each driver keeps 1 GiB of
# resmem), the machine otherwise the same; driver-managed, so that neither
# edk2 nor the kernel touches the memory before the kernel's first message.
P3_GPUS = (("2 GiB", "4G"), ("128 GiB", "130G"))
P3_QEMU = r"""qemu-system-aarch64 -M virt,gic-version=3 -accel kvm -cpu host \
    -smp 2 -nodefaults -display none -serial stdio -no-reboot \
    -m 1G,maxmem=132G -object memory-backend-ram,id=m0,size=1G \
    -numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1 \
    -device pcie-root-port,id=rp1,chassis=1,addr=01.0 \
    -device vfio-pci-nvgrace,host=$1,bus=rp1,id=gpu0,node=1,node-count=1 \
    -drive if=pflash,format=raw,unit=0,readonly=on,file=/l2/CODE.fd \
    -drive if=pflash,format=raw,unit=1,file=/l2/VARS.fd \
    -kernel /l2/Image -initrd /l2/initrd -append "console=ttyAMA0 \
rdinit=/init nokaslr acpi=force earlycon" """

# L1 binds both GPUs and starts L2 with each in turn, A B then B A.  It
# reads L1's uptime (10 ms steps) at QEMU's start, at the EFI stub's first
# line, where it also reads QEMU's peak RSS and ends QEMU, and once QEMU
# has exited.
P3_SCRIPT = r"""
gpus=
for d in /sys/bus/pci/devices/*; do
    [ "$(cat $d/vendor)" = 0x10de ] || continue
    echo nvgrace_gpu_vfio_pci > $d/driver_override
    echo ${d##*/} > /sys/bus/pci/drivers_probe
    gpus="$gpus ${d##*/}"
done
set -- $gpus
[ $# = 2 ] || { echo "L1 has $# GPUs"; exit 1; }
small=$1 large=$2
truncate -s 64M /l2/CODE.fd /l2/VARS.fd
mkfifo /tmp/p3.out
start_l2() {
    t0=$(cut -d' ' -f1 /proc/uptime)
    %(qemu)s </dev/null >/tmp/p3.out 2>&1 &
    q=$!
    while IFS= read -r line; do
        case $line in
        *"Booting Linux"*)
            t1=$(cut -d' ' -f1 /proc/uptime)
            hwm=$(awk '/^VmHWM:/ { print $2 }' /proc/$q/status)
            kill $q
            ;;
        esac
    done </tmp/p3.out
    wait $q || true
    t2=$(cut -d' ' -f1 /proc/uptime)
    echo "p3 gpu=$2 start=$t0 message=$t1 exit=$t2 hwm_kib=$hwm"
}
i=0
while [ $i -lt %(pairs)d ]; do
    if [ $((i %% 2)) = 0 ]; then
        start_l2 $small small; start_l2 $large large
    else
        start_l2 $large large; start_l2 $small small
    fi
    i=$((i + 1))
done
"""


def p3_startup(tmp, rows):
    """P3 under KVM: one boot of L1 with both GPUs."""
    host = kvm_test.KvmHost(kvm_test.BUILD, "max,pauth-impdef=on")
    l2 = guest.Guest(kvm_test.BUILD)
    try:
        files = kvm_test.l2_files(host, l2, l2.base_cpio)
        gpus = []
        for i, (_, mem) in enumerate(P3_GPUS):
            gpu = guest.Gpu(host="0009:0%d:00.0" % (i + 1), model="gh200",
                            mem=mem, abi="bar", node=i + 1, node_count=1)
            gpu.backing = os.path.join(tmp, "p3-%d.mem" % i)
            gpus.append(gpu)
        script = P3_SCRIPT % {"qemu": P3_QEMU, "pairs": benchmark.PAIRS}
        rc, out = host.run(script, gpus=gpus, files=files, ram=3 * GiB,
                           timeout=1800)
    finally:
        host.close()
        l2.close()
    runs = {"small": [], "large": []}
    for m in re.finditer(r"^p3 gpu=(\w+) start=([\d.]+) message=([\d.]+) "
                         r"exit=([\d.]+) hwm_kib=(\d+)$", out, re.M):
        start, message, end = (float(m.group(i)) for i in (2, 3, 4))
        runs[m.group(1)].append((message - start, int(m.group(5)),
                                 end - message))
    if rc or any(len(r) != benchmark.PAIRS for r in runs.values()):
        raise RuntimeError("P3 failed in L1:\n" + out)
    small, large = runs["small"], runs["large"]
    (small_name, _), (large_name, _) = P3_GPUS
    ratios = [b[0] / a[0] for a, b in zip(small, large)]
    rows.append(("P3 start to first guest message, %s / %s, KVM" %
                 (large_name, small_name),
                 "%.2f / %.2f s" % (statistics.median(b[0] for b in large),
                                    statistics.median(a[0] for a in small)),
                 "%.3f (pairs %.2f-%.2f)" % (statistics.median(ratios),
                                             min(ratios), max(ratios)),
                 "<= 1.05"))
    rows.append(("P3 L2's QEMU from SIGTERM to its exit, %s / %s, KVM" %
                 (large_name, small_name),
                 "%.2f / %.2f s" % (statistics.median(b[2] for b in large),
                                    statistics.median(a[2] for a in small)),
                 "%.1f" % (statistics.median(b[2] for b in large) /
                           statistics.median(a[2] for a in small)), ""))
    rss_small = statistics.median(a[1] for a in small)
    rss_large = statistics.median(b[1] for b in large)
    rows.append(("P3 L2's QEMU peak RSS, %s - %s, KVM" %
                 (large_name, small_name),
                 "%d / %d MiB" % (rss_large // 1024, rss_small // 1024),
                 "%+.1f MiB" % ((rss_large - rss_small) / 1024),
                 "<= +16 MiB"))


def main():
    build = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        build, "benchmark-kvm.txt")
    kvm_test.BUILD = build
    tmp = tempfile.mkdtemp(prefix="nvgrace-kvm-bench-")
    rows = []
    try:
        benchmark.p1_rows(run(tmp, "boot", benchmark.p1_script()), rows,
                          ", KVM")
        disk = os.path.join(tmp, "l1-disk.img")
        write_pattern(disk, 0, benchmark.P2_MIB << 20, benchmark.P2_SEED)
        for direct in (False, True):
            opts = "file=/dev/vda" + (",cache.direct=on,aio=threads"
                                      if direct else "")
            out = run(tmp, "driver-managed", benchmark.p2_script(),
                      disk=opts, l1_disk=disk)
            benchmark.p2_rows(out, rows, ", KVM, L1 cache.direct=%s" %
                              ("on" if direct else "off"),
                              "" if direct else ">= 0.90")
        p3_startup(tmp, rows)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    benchmark.write_table(rows, "nested Linux 7.3 KVM (L1 on TCG), BAR4",
                          path)


if __name__ == "__main__":
    main()
