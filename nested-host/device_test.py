#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vfio-pci-nvgrace on the real Linux 7.3 nvgrace-gpu: this project's QEMU,
built for arm64, runs in the nested host (L1) with the GPU that L1's
nvgrace-gpu drives.

device_test.py BUILD [TEST...].  On stock Linux 7.3 the memory is BAR4,
which Linux 7.3 maps only while the GPU's COMMAND.MEMORY is set and it is
not in D3, and QEMU's vfio-pci writes COMMAND = 0 at every reset, the one
at start-up included: the device holds both on the host
(vfio_pci_hold_host_config) and emulates the guest's view.  On Linux 7.3
with kernel/'s series the device takes the coherent memory region, whose
contract keeps it mapped through both, and holds nothing; BAR4 of that
kernel is run too.  Two QEMU runs in each boot of L1 show it:
  qmp    the monitor reads the GPU memory before the guest runs and after
         system resets (without the hold, the first read of BAR4 dies with
         "Bus error");
  qtest  the guest, played by qtest, writes a pattern into the memory,
         clears the GPU's memory decode and asks for D3hot through its
         config space, and reads and writes the memory meanwhile, then
         resets the GPU with an FLR and reads it again; L0 then finds the
         pattern in the GPU's backing file.
Then iommufd, which can map the memory for other devices' DMA only through
a dma-buf of it: the region's is mapped, and mapped again after each
reset, QEMU's (monitor) or the guest's FLR (qtest), which revoke it;
Linux 7.3 exports no dma-buf of BAR4 in L1, and QEMU refuses to start
there.
"""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nested  # noqa: E402

BUILD = None
GiB = 1 << 30
# Where the memory goes: the start of virt's device-memory area with 1 GiB
# of RAM.  L1's nvgrace-gpu shows 2 GiB of usemem: L0 gives L1 the 4 GiB
# GPU's usemem (3 GiB: the GH200 keeps 1 GiB of resmem) as the memory the
# _DSD describes, and L1's driver, seeing a GH200, keeps 1 GiB of that.
# usemem starts L0's memory, so guest address MEMADDR + n is byte n of
# the backing file.
MEMADDR = 0x80000000
USEMEM = 2 * GiB
# Each system reset writes COMMAND = 0 and resets the GPU again.
RESETS = 20
PATTERN = (0x5a5a0001cafe0001, 0x5a5a0002cafe0002)
# What L0 puts there before L1 boots: the monitor reads it through resets.
HOST_PATTERN = (0x686f737400000001, 0x686f737400000002)

QEMU = r"""qemu-system-aarch64 -M virt -nodefaults -display none \
    -m 1G,maxmem=8G -object memory-backend-ram,id=m0,size=1G \
    -numa node,nodeid=0,memdev=m0 -numa node,nodeid=1 \
    -device pcie-root-port,id=rp1,chassis=1,addr=01.0 \
    -device vfio-pci-nvgrace,host=$GPU,bus=rp1,id=gpu0,node=1,node-count=1,\
memaddr=0x%x,memory-source=%%(source)s""" % MEMADDR
IOMMUFD = " -object iommufd,id=iommufd0 -global vfio-pci.iommufd=iommufd0"

# QMP on stdio: no echo to filter, one JSON reply per line.
XP = ('{"execute": "human-monitor-command", '
      '"arguments": {"command-line": "xp /2gx 0x%x"}}\n' % MEMADDR)
QMP_COMMANDS = ('{"execute": "qmp_capabilities"}\n'
                '{"execute": "query-memory-devices"}\n' + XP +
                RESETS * ('{"execute": "system_reset"}\n' + XP) +
                '{"execute": "quit"}\n')

# With iommufd: the memory after the start-up reset and after one more.
QMP_IOMMUFD = ('{"execute": "qmp_capabilities"}\n'
               '{"execute": "query-memory-devices"}\n' + XP +
               '{"execute": "system_reset"}\n' + XP +
               '{"execute": "quit"}\n')
IOMMUFD_RESETS = 2

# The GPU's config space in virt's ECAM, once the root port at 00:01.0
# has bus 1 behind it; its PCIe capability is at 0x40, PM at 0x80.
ECAM = 0x4010000000
ROOT_PORT = ECAM + (0x08 << 12)
GPU_CFG = ECAM + (1 << 20)
GPU_BUS = [
    "writeb 0x%x 1" % (ROOT_PORT + 0x19),      # secondary bus
    "writeb 0x%x 1" % (ROOT_PORT + 0x1a),      # subordinate bus
]
FLR = "writew 0x%x 0x8000" % (GPU_CFG + 0x48)  # PCIe Device Control
QTEST_COMMANDS = [
    "writeq 0x%x 0x%x" % (MEMADDR, PATTERN[0])] + GPU_BUS + [
    "readw 0x%x" % GPU_CFG,                    # vendor: NVIDIA
    "writew 0x%x 0x6" % (GPU_CFG + 0x4),       # memory decode, master on
    "writew 0x%x 0x0" % (GPU_CFG + 0x4),       # ... and off
    "readw 0x%x" % (GPU_CFG + 0x4),            # the guest's own view
    "readq 0x%x" % MEMADDR,
    "readb 0x%x" % (GPU_CFG + 0x80),           # PM capability
    "writew 0x%x 0x3" % (GPU_CFG + 0x84),      # D3hot
    "readw 0x%x" % (GPU_CFG + 0x84),
    "readq 0x%x" % MEMADDR,
    "writeq 0x%x 0x%x" % (MEMADDR + 8, PATTERN[1]),
    "writew 0x%x 0x0" % (GPU_CFG + 0x84),      # D0
    FLR,
    "readq 0x%x" % MEMADDR,
]
# With iommufd, on the region: an FLR the guest writes revokes the
# dma-buf's mapping; QEMU maps it again.
QTEST_IOMMUFD = GPU_BUS + [FLR, "readq 0x%x" % MEMADDR]

# qtest answers each command with one line; QEMU does not exit at the end
# of its input, so it is stopped once every answer is in (bounded).
L1_SCRIPT = nested.BIND_NVGRACE + r"""
echo "== qmp"
%(qemu)s,online=boot -S -cpu max \
    -trace vfio_pci_write_config -trace 'vfio_pci_reset*' \
    -trace vfio_pci_coherent_memory -trace vfio_pci_nvgrace_memory_source \
    -qmp stdio <<EOF 2>&1 || echo "qemu: exit status $?"
%(qmp)sEOF
echo "== qtest"
mkfifo /tmp/qtest-in /tmp/qtest-iommufd-in
%(qemu)s -accel qtest -qtest stdio </tmp/qtest-in >/tmp/qtest-out 2>&1 &
qemu=$!
cat >/tmp/qtest-in <<EOF
%(qtest)s
EOF
n=0
while [ "$(grep -c '^OK\|^FAIL\|^ERR' /tmp/qtest-out)" -lt %(count)d ] &&
      kill -0 $qemu 2>/dev/null && [ $n -lt 600 ]; do
    sleep 0.1
    n=$((n + 1))
done
kill $qemu 2>/dev/null
wait $qemu
cat /tmp/qtest-out
echo "== iommufd"
%(qemu)s%(iommufd)s -S -cpu max \
    -trace vfio_device_export_ram_dmabuf -trace 'iommufd_backend_*map*' \
    -trace vfio_container_remap_ram \
    -qmp stdio <<EOF 2>&1 || echo "qemu: exit status $?"
%(qmp_iommufd)sEOF
# The guest's FLR on the region, without a vIOMMU and behind a
# virtio-iommu that bypasses (no domain yet): QEMU maps the memory again.
iommufd_flr() {
    %(qemu)s%(iommufd)s "$@" -accel qtest -qtest stdio \
        -trace vfio_container_remap_ram -trace iommufd_backend_map_file_dma \
        </tmp/qtest-iommufd-in >/tmp/qtest-iommufd-out 2>&1 &
    qemu=$!
    cat >/tmp/qtest-iommufd-in <<EOF
%(qtest_iommufd)s
EOF
    n=0
    while [ "$(grep -c '^OK\|^FAIL\|^ERR' /tmp/qtest-iommufd-out)" -lt \
            %(count_iommufd)d ] && kill -0 $qemu 2>/dev/null &&
          [ $n -lt 600 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    kill $qemu 2>/dev/null
    wait $qemu
    cat /tmp/qtest-iommufd-out
}
echo "== iommufd-flr"
if [ %(source)s = region ]; then
    iommufd_flr
fi
echo "== iommufd-flr-viommu"
if [ %(source)s = region ]; then
    iommufd_flr -device virtio-iommu-pci
fi
echo "== end"
"""


def l1_script(source):
    """L1's script, with the device taking the GPU memory from @source."""
    return L1_SCRIPT % {"qemu": QEMU % {"source": source},
                        "iommufd": IOMMUFD, "qmp_iommufd": QMP_IOMMUFD,
                        "source": source,
                        "qtest_iommufd": "\n".join(QTEST_IOMMUFD),
                        "count_iommufd": len(QTEST_IOMMUFD),
                        "qmp": QMP_COMMANDS,
                        "qtest": "\n".join(QTEST_COMMANDS),
                        "count": len(QTEST_COMMANDS)}


def replies(text):
    """QMP's replies to the script's commands, in order."""
    result = []
    for line in text.splitlines():
        if line.startswith("{"):
            msg = json.loads(line)
            if "return" in msg or "error" in msg:
                result.append(msg)
    return result


class Device(unittest.TestCase):
    IMAGE = SOURCE = None       # L1's kernel, the device's memory-source
    qmp = qtest = None
    backing = b""
    l0_stats = {}

    @classmethod
    def setUpClass(cls):
        host = nested.NestedHost(BUILD, image=cls.IMAGE)
        try:
            files = host.qemu_root_files()
            gpu = host.gpu()
            gpu.backing = os.path.join(host.tmp, "gpu0.mem")
            with open(gpu.backing, "wb") as f:
                f.write(b"".join(p.to_bytes(8, "little")
                                 for p in HOST_PATTERN))
            # What L0's QEMU asked of the emulated host: the DMA maps that
            # L1 made through its virtio-iommu.
            host.host_stats = os.path.join(host.tmp, "l0-stats")
            rc, out = host.run(l1_script(cls.SOURCE), gpus=[gpu],
                               files=files)
            with open(gpu.backing, "rb") as f:
                cls.backing = f.read(16)
            with open(host.host_stats) as f:
                cls.l0_stats = {k[len(gpu.host) + 1:]: int(v) for k, v in
                                (line.split() for line in f)
                                if k.startswith(gpu.host + ".")}
        finally:
            host.close()
        print("L1 (%s, nested), memory-source=%s:\n%s" %
              (cls.IMAGE, cls.SOURCE, out))
        if rc != 0:
            raise AssertionError("L1's test script failed (rc %d)" % rc)
        cls.qmp = out[out.index("== qmp"):out.index("== qtest")]
        cls.qtest = [line for line in
                     out[out.index("== qtest"):out.index("== iommufd")]
                     .splitlines() if re.match(r"(OK|FAIL|ERR)", line)]
        cls.iommufd = out[out.index("== iommufd"):
                          out.index("== iommufd-flr")]
        cls.iommufd_flr = out[out.index("== iommufd-flr"):
                              out.index("== iommufd-flr-viommu")]
        cls.iommufd_flr_viommu = out[out.index("== iommufd-flr-viommu"):
                                     out.index("== end")]

    def test_realizes_on_nvgrace_gpu(self):
        """QEMU starts on L1's nvgrace-gpu and maps usemem at memaddr, as
        RAM from the first instruction (online=boot: the monitor run)."""
        got = replies(self.qmp)
        self.assertGreaterEqual(len(got), 2, self.qmp)
        devices = got[1]["return"]
        self.assertEqual([d["type"] for d in devices], ["vfio-pci-coherent"])
        self.assertEqual(devices[0]["data"]["memaddr"], MEMADDR)
        self.assertEqual(devices[0]["data"]["size"], USEMEM)
        self.assertEqual(devices[0]["data"]["online"], "boot")

    def test_takes_the_memory_from_the_source(self):
        m = re.search(r"vfio_pci_coherent_memory .*coherent memory in region "
                      r"(\d+) size 0x([0-9a-f]+)", self.qmp)
        self.assertIsNotNone(m, self.qmp)
        self.assertEqual(int(m.group(2), 16), USEMEM)
        if self.SOURCE == "bar":
            self.assertEqual(m.group(1), "4")
        m = re.search(r"vfio_pci_nvgrace_memory_source .*GPU memory from the "
                      r"(\w+)", self.qmp)
        self.assertIsNotNone(m, self.qmp)
        self.assertEqual(m.group(1), self.SOURCE)

    def test_start_up_reset_writes_command_zero(self):
        """What the device must withstand: before the guest runs, vfio-pci
        writes COMMAND = 0 to the GPU and resets it."""
        m = re.search(r"vfio_pci_write_config \(?[^\n]*@0x4, 0x0[, )]"
                      r".*\n.*vfio_pci_reset", self.qmp, re.S)
        self.assertIsNotNone(m, "no COMMAND = 0 then reset in:\n" + self.qmp)

    def test_reads_gpu_memory_before_the_guest_runs_and_after_resets(self):
        """The memory stays mapped through QEMU's resets, and holds what
        L0 wrote before L1 booted."""
        self.assertNotIn("qemu: exit status", self.qmp)
        got = replies(self.qmp)
        # capabilities, memory devices, a read, then a reset and a read
        # each time, quit
        self.assertEqual(len(got), 4 + 2 * RESETS, self.qmp)
        reads = [got[2]] + [got[4 + 2 * i] for i in range(RESETS)]
        for reply in reads:
            self.assertRegex(reply["return"],
                             r"^%016x: 0x%016x 0x%016x" %
                             ((MEMADDR,) + HOST_PATTERN))

    def test_guest_decode_and_power_writes_keep_the_memory(self):
        """The guest clears decode and asks for D3hot; it reads back what
        it wrote, and its RAM on the GPU stays readable and writable."""
        self.assertEqual(len(self.qtest), len(QTEST_COMMANDS), self.qtest)
        self.assertTrue(all(r.startswith("OK") for r in self.qtest),
                        self.qtest)
        # what each read must give, and of which bits
        expected = {
            "readw 0x%x" % GPU_CFG: (0x10de, 0xffff),
            "readw 0x%x" % (GPU_CFG + 0x4): (0, 0x2),        # decode off
            "readb 0x%x" % (GPU_CFG + 0x80): (0x01, 0xff),   # PM cap id
            "readw 0x%x" % (GPU_CFG + 0x84): (0x3, 0x3),     # D3hot
            "readq 0x%x" % MEMADDR: (PATTERN[0], (1 << 64) - 1),
        }
        for command, answer in zip(QTEST_COMMANDS, self.qtest):
            if command in expected:
                value, mask = expected[command]
                self.assertEqual(int(answer.split()[1], 16) & mask, value,
                                 "%s: %s" % (command, answer))

    def test_iommufd_maps_the_memory_through_a_dmabuf(self):
        """iommufd maps the region's dma-buf, and maps it again after
        each reset, which revokes it.  BAR4 has no dma-buf in L1, so QEMU
        refuses to start, saying so."""
        export = re.search(r"vfio_device_export_ram_dmabuf \S+ region (\d+) "
                           r"size 0x([0-9a-f]+): (-?\d+)", self.iommufd)
        self.assertIsNotNone(export, self.iommufd)
        self.assertEqual(int(export.group(2), 16), USEMEM)
        if self.SOURCE == "bar":
            self.assertEqual(export.group(1), "4")
            self.assertLess(int(export.group(3)), 0)
            self.assertIn("qemu: exit status 1", self.iommufd)
            self.assertRegex(self.iommufd, r"other devices cannot DMA into "
                             r"the coherent memory: Region \S+ coherent-mem: "
                             r"vfio_container_dma_map\(.*\) = -14 "
                             r"\(Bad address\)")
            self.assertRegex(self.iommufd, r"iommufd maps it only through a "
                             r"dma-buf, and the host cannot export region 4 "
                             r"as a dma-buf \(VFIO_DEVICE_FEATURE_DMA_BUF\)")
            return
        self.assertGreaterEqual(int(export.group(3)), 0)
        self.assertNotIn("qemu: exit status", self.iommufd)
        maps = re.findall(r"iommufd_backend_map_file_dma .* iova=0x%x "
                          r"size=0x%x fd=%s start=0 readonly=0 \((-?\d+)\)" %
                          (MEMADDR, USEMEM, export.group(3)), self.iommufd)
        remaps = re.findall(r"vfio_container_remap_ram .* iova 0x%x" %
                            MEMADDR, self.iommufd)
        # At the plug, then after the start-up reset and system_reset.
        self.assertEqual(maps, ["0"] * (1 + IOMMUFD_RESETS), self.iommufd)
        self.assertEqual(len(remaps), IOMMUFD_RESETS, self.iommufd)
        got = replies(self.iommufd)
        self.assertEqual(len(got), 6, self.iommufd)
        for reply in (got[2], got[4]):
            self.assertRegex(reply["return"],
                             r"^%016x: 0x[0-9a-f]{16} 0x[0-9a-f]{16}" %
                             MEMADDR)

    def assert_mapped_again_after_flr(self, out):
        """In @out, the memory was mapped through the dma-buf at the plug,
        after the start-up reset and after the guest's FLR, and the guest
        read its RAM at the end."""
        if self.SOURCE == "bar":
            self.skipTest("QEMU refuses iommufd on BAR4 (the test above)")
        answers = [line for line in out.splitlines()
                   if re.match(r"(OK|FAIL|ERR)", line)]
        self.assertEqual(len(answers), len(QTEST_IOMMUFD), out)
        self.assertTrue(all(a.startswith("OK") for a in answers), answers)
        maps = re.findall(r"iommufd_backend_map_file_dma .* iova=0x%x "
                          r"size=0x%x .*\((-?\d+)\)" % (MEMADDR, USEMEM), out)
        remaps = re.findall(r"vfio_container_remap_ram .* iova 0x%x" %
                            MEMADDR, out)
        self.assertEqual(maps, ["0"] * 3, out)
        self.assertEqual(len(remaps), 2, out)

    def test_iommufd_maps_the_memory_again_after_a_guest_flr(self):
        """A guest's FLR revokes the dma-buf's mapping too; QEMU maps it
        again, and the guest's RAM stays readable."""
        self.assert_mapped_again_after_flr(self.iommufd_flr)

    def test_iommufd_maps_the_memory_again_behind_a_viommu(self):
        """The same behind a virtio-iommu that bypasses: the GPU's address
        space is the vIOMMU's, not system memory, and QEMU finds the
        memory there."""
        self.assert_mapped_again_after_flr(self.iommufd_flr_viommu)

    def test_l2_dma_maps_reach_l0(self):
        """L1's QEMU maps the GPU memory for its guest's DMA at the guest
        address; L1's IOMMU (virtio-iommu) passes those maps down to L0,
        whose emulated host counts them as maps of the GPU memory, at the
        IOVA L1's QEMU chose.  (The other IOVA is L1's own address of
        the memory: L0 maps all of L1's RAM while virtio-iommu bypasses,
        before L1 takes it over and after L1 resets it.)"""
        at = {k: v for k, v in self.l0_stats.items()
              if k.startswith("coherent_dma_maps_at_")}
        print("L0: %d DMA maps of the GPU memory, by the IOVA of its "
              "offset 0: %s" % (self.l0_stats["coherent_dma_maps"], at))
        self.assertGreater(at.get("coherent_dma_maps_at_0x%x" % MEMADDR, 0),
                           0)

    def test_guest_data_reaches_the_host(self):
        """What the guest wrote, also while decode was off and in D3hot,
        is in L0's backing file of the GPU memory."""
        self.assertEqual(self.backing,
                         PATTERN[0].to_bytes(8, "little") +
                         PATTERN[1].to_bytes(8, "little"))


# Stock Linux 7.3: BAR4, held.  Linux 7.3 with kernel/'s series: the
# region, not held, and BAR4 again on that kernel.
for _image, _source in (("Image", "bar"), ("Image-series", "region"),
                        ("Image-series", "bar")):
    _name = "Device_%s_%s" % (_image.replace("-", "_"), _source)
    globals()[_name] = type(_name, (Device,),
                            {"IMAGE": _image, "SOURCE": _source})
del Device, _name, _image, _source


if __name__ == "__main__":
    BUILD = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
