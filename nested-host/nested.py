# SPDX-License-Identifier: GPL-2.0-or-later
"""The nested real-kernel host: Linux 7.3 (nested-host/build-kernel.sh)
booted as an arm64 guest (L1) of this project's QEMU on the emulated host
(L0), with the GPU behind a virtio-iommu so that L1 has an IOMMU group for
it.  L1's stock nvgrace-gpu finds the GPU memory in the _DSD that
vfio-pci-nvgrace gives it, as on a GH200 whose firmware provides it, and
the GPU is bound to it through driver_override.

L1 is the test guest of guest/guest.py with another kernel: the same
busybox initramfs, with the probes added, and /test.sh run in it.
"""

import os
import sys

NESTED_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(NESTED_DIR), "guest"))
import guest  # noqa: E402
from guest import GiB, Gpu  # noqa: E402

# A GPU that retrains for TRAIN_MS after each reset (BAR0 reads not ready
# that long).  nvgrace-gpu polls BAR0 once a second (POLL_QUANTUM_MS), so
# an access that found the GPU training waits at least TRAINING_WAIT.
TRAIN_MS = 2000
TRAINING_WAIT = 1.0

# Shell for L1's /test.sh: the GPU's address in L1 as $GPU, bound to the
# stock nvgrace-gpu (the PCI driver's name has underscores: driver_override
# compares it as a string).
BIND_NVGRACE = r"""
GPU=
for d in /sys/bus/pci/devices/*; do
    [ "$(cat $d/vendor)" = 0x10de ] && GPU=${d##*/}
done
[ -n "$GPU" ] || { echo "no NVIDIA device in L1"; exit 1; }
echo nvgrace_gpu_vfio_pci > /sys/bus/pci/devices/$GPU/driver_override
echo $GPU > /sys/bus/pci/drivers_probe
driver=$(readlink /sys/bus/pci/devices/$GPU/driver)
echo "l1: $GPU bound to ${driver##*/}, IOMMU group" \
     "$(readlink /sys/bus/pci/devices/$GPU/iommu_group | sed 's|.*/||')"
dmesg | grep -i 'nvgrace' || true
"""


class NestedHost(guest.Guest):
    """L1: Linux 7.3 with the stock nvgrace-gpu, on L0's emulated GPU."""

    def __init__(self, build, image="Image"):
        """@image: the stock kernel, or "Image-series" (kernel/ applied)."""
        super().__init__(build)
        self.nested = os.path.join(self.build, "nested")
        self.image = os.path.join(self.nested, image)
        # QEMU's virtio-iommu does not remap MSIs, so type1 and iommufd
        # refuse the GPU (EPERM) unless told that the interrupts are safe
        # enough: in a test guest they are.
        self.kernel_args = ("vfio_iommu_type1.allow_unsafe_interrupts=1 "
                            "iommufd.allow_unsafe_interrupts=1")
        # Before the GPU: a device realized before the IOMMU would bypass
        # it in L0, whose vfio would then map all of L1's RAM instead of
        # what L1 maps through the IOMMU.
        self.early_devices = ["-device", "virtio-iommu-pci"]

    def gpu(self, model="gh200", mem="4G", device_id=None, train_ms=0,
            bar1=None):
        """The GPU as L1's nvgrace-gpu expects it: its memory described by
        the _DSD (driver-managed), one node.  A GH200 needs 4 GiB or more:
        L1's driver carves 1 GiB of resmem out of what it is given.  A
        Blackwell can have its real BAR1 (@bar1, a size)."""
        return Gpu(model=model, mem=mem, abi="bar", node=1, node_count=1,
                   device_id=device_id, train_ms=train_ms, bar1=bar1)

    # Added to L0's -machine (the KVM variant boots L1 at EL2).
    machine_args = []

    def qemu_root_files(self):
        """The arm64 QEMU and its libraries (build-qemu-arm64.sh), as
        files for L1: {path in L1: bytes}."""
        files = {}
        root = os.path.join(self.nested, "qemu-root")
        for top, _, names in os.walk(root):
            for name in names:
                path = os.path.join(top, name)
                with open(path, "rb") as f:
                    files[os.path.relpath(path, root)] = f.read()
        return files

    def run(self, script, gpus=None, files=None, ram=2 * GiB, timeout=600,
            disk=None, extra=()):
        """Boot L1 through edk2 (ACPI) and run @script; (rc, output).
        @disk is L1's /dev/vda (an empty 1 MiB disk if None); @extra is
        added to L0's command line."""
        if not disk:
            disk = os.path.join(self.tmp, "disk.img")
            with open(disk, "wb") as f:
                f.truncate(1 << 20)
        extra = guest.virtio_blk(disk) + list(extra)
        if self.machine_args:
            extra = ["-machine", ",".join(self.machine_args)] + extra
        return self.boot(gpus or [self.gpu()], "uefi", script, ram=ram,
                         timeout=timeout, extra=extra, files=files)
