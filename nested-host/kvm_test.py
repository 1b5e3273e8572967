#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vfio-pci-nvgrace under KVM: L1, the nested host (Linux 7.3 with KVM),
boots at EL2 (virt's virtualization=on, under L0's TCG) and runs this
project's arm64 QEMU with -accel kvm on the GPU that L1's stock
nvgrace-gpu drives (BAR4, held by the device).

kvm_test.py BUILD [TEST...].  Two boots of L1:
  fwb     L1's CPU is 'max', which has FEAT_S2FWB and CTR_EL0.DIC: L1's
          KVM offers KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED and the device
          starts.  Its L2 guest is a few instructions, no kernel: it reads
          what L0 put in the GPU memory, copies it and writes a pattern,
          which L0 then finds in its backing file.  Meanwhile L1's stage-2
          page tables (debugfs) show how KVM maps the GPU memory.
  no-fwb  L1's CPU is cortex-a57 (Armv8.0: no FEAT_S2FWB): KVM does not
          offer the capability, and the device refuses to start, saying
          why, before KVM is asked to map the memory.
"""

import os
import re
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nested  # noqa: E402

BUILD = None
GiB = 1 << 30
# As in device_test.py: usemem at the start of virt's device memory, L0's
# backing file from its first byte; 2 GiB of it in L1.
MEMADDR = 0x80000000
USEMEM = 2 * GiB
HOST_PATTERN = 0x686f737400000001
PATTERN = 0x6b766d0000000001


def l2_stub():
    """L2's code, loaded by QEMU as a raw image and entered at EL1: read
    the first word of the GPU memory, store it at +16, write PATTERN at
    +0, then wait for interrupts forever."""
    def mov64(rd, value):
        ops = [0xd2800000 | (value & 0xffff) << 5 | rd]          # movz
        for hw in (1, 2, 3):
            ops.append(0xf2800000 | hw << 21 |                    # movk
                       (value >> (16 * hw) & 0xffff) << 5 | rd)
        return ops
    code = mov64(0, MEMADDR) + mov64(2, PATTERN) + [
        0xf9400001,             # ldr x1, [x0]
        0xf9000801,             # str x1, [x0, #16]
        0xf9000002,             # str x2, [x0]
        0xd5033f9f,             # dsb sy
        0xd503207f,             # wfi
        0x17ffffff,             # b .-4
    ]
    return struct.pack("<%dI" % len(code), *code)


QEMU = r"""qemu-system-aarch64 -M virt,gic-version=3 -accel kvm -cpu host \
    -nodefaults -display none \
    -m 1G,maxmem=8G -object memory-backend-ram,id=m0,size=1G \
    -numa node,nodeid=0,memdev=m0 -numa node,nodeid=1 \
    -device pcie-root-port,id=rp1,chassis=1,addr=01.0 \
    -device vfio-pci-nvgrace,host=$GPU,bus=rp1,id=gpu0,node=1,node-count=1,\
memaddr=0x%x,online=boot -kernel /l2-stub.bin""" % MEMADDR

# QEMU's monitor through a fifo: the memory is read until the guest has
# written it (bounded), then L1's stage-2 tables are dumped while the
# guest still runs.
XP = ('{"execute": "human-monitor-command", '
      '"arguments": {"command-line": "xp /3gx 0x%x"}}' % MEMADDR)
L1_SCRIPT = nested.BIND_NVGRACE + r"""
echo "== kvm"
dmesg | grep -E 'kvm \[[0-9]+\]|Stage-2 Force Write-Back|I/D coherence' ||
    true
ls /dev/kvm
mount -t debugfs none /sys/kernel/debug
echo "== l2"
mkfifo /tmp/qmp-in
# QEMU may refuse to start: writes to the fifo then fail, and are let be.
trap '' PIPE
%(qemu)s -qmp stdio </tmp/qmp-in >/tmp/qmp-out 2>&1 &
qemu=$!
exec 3>/tmp/qmp-in
echo '{"execute": "qmp_capabilities"}' >&3 || true
n=0
while kill -0 $qemu 2>/dev/null && [ $n -lt 120 ] &&
      ! grep -q '0x%(pattern)016x' /tmp/qmp-out; do
    echo '%(xp)s' >&3 || true
    sleep 1
    n=$((n + 1))
done
echo "== stage2"
for d in /sys/kernel/debug/kvm/*-*; do
    if [ -e $d/stage2_page_tables ]; then
        cat $d/stage2_page_tables
    fi
done
echo '{"execute": "quit"}' >&3 || true
exec 3>&-
status=0
wait $qemu || status=$?
echo "qemu: exit status $status"
cat /tmp/qmp-out
echo "== end"
"""


def l1_script():
    return L1_SCRIPT % {"qemu": QEMU, "xp": XP, "pattern": PATTERN}


class KvmHost(nested.NestedHost):
    """L1 at EL2 on @cpu, so that its KVM runs guests."""
    machine_args = ["virtualization=on", "gic-version=3"]

    def __init__(self, build, cpu):
        super().__init__(build)
        self.cpu = cpu

    def accel(self):
        return ["-accel", "tcg", "-cpu", self.cpu]


def boot_l1(cpu):
    """L1 on @cpu runs l1_script(); (its output, L0's first 24 bytes of
    the GPU memory)."""
    host = KvmHost(BUILD, cpu)
    try:
        files = host.qemu_root_files()
        files["l2-stub.bin"] = l2_stub()
        gpu = host.gpu()
        gpu.backing = os.path.join(host.tmp, "gpu0.mem")
        with open(gpu.backing, "wb") as f:
            f.write(HOST_PATTERN.to_bytes(8, "little"))
        rc, out = host.run(l1_script(), gpus=[gpu], files=files)
        with open(gpu.backing, "rb") as f:
            backing = f.read(24)
    finally:
        host.close()
    print("L1 (cpu %s, KVM, nested):\n%s" % (cpu, out))
    if rc != 0:
        raise AssertionError("L1's test script failed (rc %d)" % rc)
    return out, backing


# L1's KVM, with VHE or without (Armv8.0).
KVM_READY = r"kvm \[\d+\]: .*VHE(\+NV2)? mode initialized successfully"


def section(out, name, end):
    return out[out.index("== " + name):out.index("== " + end)]


class Fwb(unittest.TestCase):
    out = backing = None

    @classmethod
    def setUpClass(cls):
        cls.out, cls.backing = boot_l1("max,pauth-impdef=on")

    def test_l1_runs_kvm_with_fwb(self):
        kvm = section(self.out, "kvm", "l2")
        self.assertIn("/dev/kvm", kvm)
        self.assertRegex(kvm, KVM_READY)
        # What KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED needs.
        self.assertIn("Stage-2 Force Write-Back", kvm)
        self.assertIn("Instruction cache invalidation not required for I/D "
                      "coherence", kvm)

    def test_device_starts_under_kvm(self):
        l2 = section(self.out, "l2", "end")
        self.assertIn("qemu: exit status 0", l2)
        self.assertNotIn("cannot map the GPU memory cacheable", l2)

    def test_l2_reads_and_writes_the_gpu_memory(self):
        """L2's loads and stores go through KVM's stage-2 mapping of
        L1's nvgrace-gpu mapping of L0's GPU memory."""
        self.assertEqual(self.backing,
                         struct.pack("<QQQ", PATTERN, 0, HOST_PATTERN))

    def test_stage2_maps_the_gpu_memory(self):
        """KVM maps the page L2 touched writable at stage 2; logs whether
        as a page or as a block (L1's stage-2 table dump)."""
        stage2 = section(self.out, "stage2", "end")
        mapped = [m.groups() for m in re.finditer(
                      r"^0x([0-9a-f]+)-0x([0-9a-f]+)\s+(\d+[KMG]) (\d) +"
                      r"R W .*$", stage2, re.M)
                  if MEMADDR <= int(m.group(1), 16) < MEMADDR + USEMEM]
        print("stage 2 of the GPU memory: " +
              ", ".join("0x%s-0x%s %s level %s" % m for m in mapped))
        self.assertTrue(mapped and int(mapped[0][0], 16) == MEMADDR, stage2)


class NoFwb(unittest.TestCase):
    def test_device_refuses_without_fwb(self):
        out, backing = boot_l1("cortex-a57")
        kvm = section(out, "kvm", "l2")
        self.assertIn("/dev/kvm", kvm)
        self.assertRegex(kvm, KVM_READY)
        self.assertNotIn("Stage-2 Force Write-Back", kvm)
        l2 = section(out, "l2", "end")
        self.assertIn("qemu: exit status 1", l2)
        self.assertRegex(l2, r"vfio \S+: host KVM cannot map the GPU memory "
                         r"cacheable into the guest "
                         r"\(KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED is "
                         r"missing")
        self.assertEqual(backing[:8], HOST_PATTERN.to_bytes(8, "little"))


if __name__ == "__main__":
    BUILD = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
