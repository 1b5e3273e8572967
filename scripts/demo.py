#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot an arm64 Linux guest with vfio-pci-nvgrace on the emulated GH200
host (UEFI, ACPI) and show the guest's NUMA nodes before and after its
driver onlines the GPU memory, and where QEMU put that memory."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "guest"))
import guest  # noqa: E402

SIZE = "16G"

# numactl -H's content, from sysfs (the initramfs has no numactl).
SCRIPT = r"""
numa_table() {
    echo "   node  cpus   size MB   free MB"
    for d in $(ls -d /sys/devices/system/node/node* | sort -t e -k 3 -n); do
        total=$(sed -n 's/.*MemTotal: *\([0-9]*\) kB/\1/p' $d/meminfo)
        free=$(sed -n 's/.*MemFree: *\([0-9]*\) kB/\1/p' $d/meminfo)
        cpus=$(cat $d/cpulist)
        printf "   %4s  %-5s  %8d  %8d\n" ${d##*node} ${cpus:--} \
            $((total / 1024)) $((free / 1024))
    done
}
echo "== at boot: the GPU's 8 NUMA nodes exist, without memory"
numa_table
echo
echo "== insmod nvgrace_mem: reads the GPU's SRAT and _DSD, onlines its memory"
insmod /lib/modules/nvgrace_mem.ko
dmesg | grep 'nvgrace_mem: [0-9]' | sed 's/^\[[^]]*\] /   /'
echo
numa_table
echo
echo "== /proc/iomem"
grep 'System RAM' /proc/iomem | sed 's/^/   /'
"""


def main():
    build = sys.argv[1]
    g = guest.Guest(build)
    gpu = guest.Gpu(mem=SIZE, online="driver-managed")
    try:
        start = time.time()
        cmd = g.command([gpu], "uefi", 2 * guest.GiB, "INITRD")
        print("$ nvgrace-host 'host=%s,mem=%s' \\\n    %s\n" %
              (gpu.host, SIZE, " ".join(cmd[1:]).replace(g.stack + "/", "")
               .replace(g.tmp + "/", "")))
        rc, out = g.boot([gpu], "uefi", SCRIPT, ram=2 * guest.GiB)
        print(out.rstrip())
        m = re.search(r"node (\d+) base 0x([0-9a-f]+) size 0x([0-9a-f]+)", out)
        if m:
            base, size = int(m.group(2), 16), int(m.group(3), 16)
            print("\nQEMU put the GPU memory at guest physical 0x%x-0x%x "
                  "(%d GiB) as RAM; the guest's driver onlined %d GiB of it "
                  "on NUMA node %s (on a GH200 NVIDIA's driver keeps 1 GiB)" %
                  (base, base + gpu.memory() - 1, gpu.memory() >> 30,
                   size >> 30, m.group(1)))
        used = os.stat(gpu.backing).st_blocks * 512
        print("\nHost: the GPU's %s backing file has %d KiB allocated (sparse);"
              " guest booted and ran in %.0f s" %
              (SIZE, used >> 10, time.time() - start))
        sys.exit(rc)
    finally:
        g.close()


if __name__ == "__main__":
    main()
