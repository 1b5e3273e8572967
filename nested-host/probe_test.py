#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What a host does with a Grace GPU's memory mapping: the real Linux 7.3
(the nested host) against the emulated host, probe by probe.

probe_test.py BUILD [TEST...]: runs nested-host/probe/vfio-probe.c in L1
on the stock nvgrace-gpu, through type1 and through iommufd, and the same
program on the emulated host.  It checks that Linux 7.3 does what its
source says (drivers/vfio/pci/nvgrace-gpu, vfio_pci_core.c,
vfio_pci_dmabuf.c, iommufd), and compares the emulated host with it row
by row.  A row where the emulated host does not yet behave like
Linux 7.3 is an expected failure that names its fix; when the model is
fixed, the row passes unexpectedly and the run fails until the gap is
struck from GAPS.  The side-by-side table is printed.
"""

import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nested  # noqa: E402

BUILD = None
HOST_GPU = "0009:01:00.0"
# The GPUs probed, each in a boot of its own: a Grace Hopper with one of
# its other device ids, and a Grace Blackwell (GB300: no resmem, and its
# real BAR1, whose size on a GB300 is not known here).
# Each GPU retrains after every reset: the first touch after a reset must
# wait for it (nested.TRAIN_MS).
GPUS = {
    "gh200-2348": dict(model="gh200", device_id="0x2348", mem="4G",
                       train_ms=nested.TRAIN_MS),
    "gb300": dict(model="gb300", mem="3G", train_ms=nested.TRAIN_MS,
                  bar1="256M"),
}
# What region 2 (BAR2) is, per GPU: GH200's resmem, 1 GiB carved from the
# end of the memory by nvgrace-gpu, a fake BAR with one sparse-mmap area;
# Blackwell's real BAR1, which vfio-pci-core passes through as it is.
BAR2 = {"gh200-2348": "1024M,sparse", "gb300": "256M,plain"}
WAITS = ("touch-after-reset", "touch-after-flr")

# What Linux 7.3 does, per access path and probe, as its source says and
# the nested host showed.
LINUX_7_3 = {}
for _mode in ("type1", "iommufd"):
    LINUX_7_3.update({
        (_mode, "open"): "ok",
        (_mode, "mmap"): "ok",
        # Mapped on fault (vfio_pci_vmf_insert_pfn), only while the virtual
        # COMMAND.MEMORY is set; zapped when it is cleared.
        (_mode, "touch-decode-on"): "ok",
        (_mode, "touch-decode-off"): "SIGBUS",
        (_mode, "touch-decode-on-again"): "ok",
        # ... and only while the GPU is not in D3hot.
        (_mode, "touch-d3hot"): "SIGBUS",
        (_mode, "touch-d0-again"): "ok",
        # VM_PFNMAP: get_user_pages refuses it.
        (_mode, "o-direct-read"): "EFAULT",
        # Only BARs with a claimed resource can be exported; the GPU that
        # L0's vfio-pci-nvgrace shows L1 has no BAR4 resource (the device
        # hides that BAR), so vfio-pci-core refuses before nvgrace's
        # get_dmabuf_phys runs (vfio_pci_dmabuf.c, barmap[4]).  The model
        # does the same unless given phys-bars=on.
        (_mode, "dma-buf-export"): "ENODEV",
        # VFIO_DEVICE_RESET leaves the virtual COMMAND as the user wrote it;
        # the first touch after it waits for BAR0's readiness registers
        # (add_wait_tests).
        (_mode, "decode-after-reset"): "on",
        (_mode, "touch-after-reset"): "ok",
        # A function reset written to config space from D3hot: vfio-pci-core
        # resets the device from D0 (pci_dev_save_and_disable()).
        (_mode, "power-after-flr"): "D0",
        (_mode, "touch-after-flr"): "ok",
        # VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY: every fault is SIGBUS until
        # LOW_POWER_EXIT (vfio_pci_vmf_insert_pfn, pm_runtime_engaged).
        (_mode, "touch-low-power"): "SIGBUS",
        (_mode, "touch-after-low-power"): "ok",
    })
# type1 maps a PFNMAP by following its PFNs; iommufd maps by address only
# what get_user_pages takes.
LINUX_7_3[("type1", "dma-map-by-address")] = "ok"
LINUX_7_3[("iommufd", "dma-map-by-address")] = "EFAULT"

# Rows where the emulated host differs from Linux 7.3, and what fixes each:
# none since the model has iommufd, the vfio cdev, dma-buf export and the
# user's low power.  A row added here is an expected failure.
GAPS = {}

PROBE_LINE = re.compile(r"^probe (\S+): (\S+)(.*)$", re.M)
SECONDS = re.compile(r"\((\d+\.\d) s\)")


def parse(text):
    """{probe: (outcome, rest of the line)} from vfio-probe's output."""
    return {m.group(1): (m.group(2), m.group(3).strip())
            for m in PROBE_LINE.finditer(text)}


def run_probes_nested(gpu):
    """Both access paths in one boot of L1: {mode: {probe: outcome}}."""
    host = nested.NestedHost(BUILD)
    try:
        with open(os.path.join(host.nested, "vfio-probe-arm64"), "rb") as f:
            probe = f.read()
        script = nested.BIND_NVGRACE + """
for mode in type1 iommufd; do
    echo "== $mode"
    /bin/vfio-probe $mode $GPU /dev/vda 2>&1 || echo "vfio-probe: exit $?"
done
"""
        rc, out = host.run(script, gpus=[host.gpu(**GPUS[gpu])],
                           files={"bin/vfio-probe": probe})
    finally:
        host.close()
    print("L1 (Linux 7.3, nested), %s:\n%s" % (gpu, out))
    if rc != 0:
        raise AssertionError("L1's test script failed (rc %d)" % rc)
    return split_modes(out), waits(out)


def run_probes_emulated(gpu, series=False, region=False):
    """The same probes on the emulated host (type1 and iommufd): on BAR4 of
    its model of Linux 7.3, or with @series of kernel/'s series (abi=both),
    on BAR4 or with @region on the coherent memory region."""
    build = os.path.abspath(BUILD)
    g = GPUS[gpu]
    spec = "host=%s,model=%s,mem=%s,train=%d" % (HOST_GPU, g["model"],
                                                 g["mem"], g["train_ms"])
    spec += ",abi=both" if series else ",abi=bar"
    if g.get("device_id"):
        spec += ",device-id=" + g["device_id"]
    if g.get("bar1"):
        spec += ",bar1=" + g["bar1"]
    env = dict(os.environ,
               LD_PRELOAD=os.path.join(build, "emulated-host",
                                       "libnvgrace-host.so"),
               NVGRACE_HOST=spec)
    out = ""
    with tempfile.TemporaryDirectory(prefix="nvgrace-probe-") as tmp:
        disk = os.path.join(tmp, "disk.img")
        with open(disk, "wb") as f:
            f.truncate(1 << 20)
        # Each built against the uapi of the kernel it is compared with.
        probe = ([os.path.join(build, "nested", "vfio-probe-series")] +
                 (["--region"] if region else []) if series else
                 [os.path.join(build, "nested", "vfio-probe")])
        for mode in ("type1", "iommufd"):
            res = subprocess.run(
                probe + [mode, HOST_GPU, disk], env=env,
                capture_output=True, text=True, timeout=120)
            out += "== %s\n%s%s" % (mode, res.stdout, res.stderr)
    print("emulated host, %s:\n%s" % (gpu, out))
    return split_modes(out), waits(out)


def split_modes(text):
    result = {}
    for part in re.split(r"^== ", text, flags=re.M)[1:]:
        mode, _, body = part.partition("\n")
        result[mode.strip()] = {k: v[0] for k, v in parse(body).items()}
    return result


def waits(text):
    """{(section, probe): seconds} of the touches vfio-probe timed."""
    result = {}
    for part in re.split(r"^== ", text, flags=re.M)[1:]:
        head, _, body = part.partition("\n")
        for probe, (_, rest) in parse(body).items():
            m = SECONDS.search(rest)
            if m:
                result[(head.strip(), probe)] = float(m.group(1))
    return result


def add_wait_tests(cls, real_sections, emulated_sections):
    """The first touch after a reset waits for the retrained GPU: in L1 on
    each of @real_sections, and on the emulated host on each of
    @emulated_sections."""
    def check(self, waits, sections):
        for section in sections:
            for probe in WAITS:
                with self.subTest(section=section, probe=probe):
                    self.assertGreaterEqual(waits.get((section, probe), 0),
                                            nested.TRAINING_WAIT)

    def test_real(self):
        """L1's nvgrace-gpu held the touch until BAR0 read ready."""
        check(self, self.real_waits, real_sections)

    def test_emulated(self):
        """The model holds the touch as L1 did."""
        check(self, self.emulated_waits, emulated_sections)

    cls.test_real_kernel_waits_for_the_retrained_gpu = test_real
    cls.test_emulated_waits_for_the_retrained_gpu = test_emulated


class Probes(unittest.TestCase):
    """Linux 7.3 against the emulated host, for one GPU of GPUS."""
    GPU = None
    real = emulated = real_waits = emulated_waits = None

    @classmethod
    def setUpClass(cls):
        cls.real, cls.real_waits = run_probes_nested(cls.GPU)
        cls.emulated, cls.emulated_waits = run_probes_emulated(cls.GPU)
        rows = sorted({(m, p) for side in (cls.real, cls.emulated)
                       for m in side for p in side[m]})
        print("%s:\n%-8s %-24s %-14s %-14s" % (cls.GPU, "path", "probe",
                                               "Linux 7.3", "emulated"))
        for mode, probe in rows:
            r = cls.real.get(mode, {}).get(probe, "-")
            e = cls.emulated.get(mode, {}).get(probe, "-")
            print("%-8s %-24s %-14s %-14s%s" % (
                mode, probe, r, e, "" if r == e else "  differs"))

    def real_outcome(self, mode, probe):
        return self.real.get(mode, {}).get(probe)

    def emulated_outcome(self, mode, probe):
        return self.emulated.get(mode, {}).get(probe)

    def test_linux_7_3_as_documented(self):
        for (mode, probe), outcome in LINUX_7_3.items():
            with self.subTest(mode=mode, probe=probe):
                self.assertEqual(self.real.get(mode, {}).get(probe), outcome)

    def test_linux_7_3_bar2(self):
        """L1's nvgrace-gpu shows GH200's resmem, or passes Blackwell's
        BAR1 through, as region 2."""
        for mode in ("type1", "iommufd"):
            with self.subTest(mode=mode):
                self.assertEqual(self.real.get(mode, {}).get("bar2"),
                                 BAR2[self.GPU])


def add_row_tests(cls, rows, gaps, where=None):
    """One test per documented row of @rows: the emulated host does what the
    real kernel did (on @where, if the class probes more than one); rows in
    @gaps are expected failures."""
    for (mode, probe) in rows:
        def check(self, mode=mode, probe=probe):
            args = (mode, probe) + ((where,) if where else ())
            self.assertEqual(self.emulated_outcome(*args),
                             self.real_outcome(*args),
                             "%s %s: fix: %s" % (mode, probe,
                                                 gaps.get((mode, probe))))
        if (mode, probe) in gaps:
            check = unittest.expectedFailure(check)
        name = "test_emulated_%s%s_%s" % (where + "_" if where else "", mode,
                                          probe.replace("-", "_"))
        setattr(cls, name, check)


for _gpu in GPUS:
    _cls = type("Probes_" + _gpu.replace("-", "_"), (Probes,), {"GPU": _gpu})
    add_row_tests(_cls, list(LINUX_7_3) + [("type1", "bar2"),
                                           ("iommufd", "bar2")], GAPS)
    add_wait_tests(_cls, ("type1", "iommufd"), ("type1", "iommufd"))
    globals()[_cls.__name__] = _cls
del Probes, _cls, _gpu


if __name__ == "__main__":
    BUILD = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
