/*
 * vfio-pci-nvgrace: what a host's BAR4 info says about the GPU memory
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The region info comes from the host kernel, so it is parsed here, apart
 * from the device, by a function of the info alone: every offset and count
 * in it is checked against what the host filled in, and the function can
 * be fuzzed without a device.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/vfio/vfio-device.h"
#include "hw/vfio/nvgrace.h"
#include "nvgrace-region.h"
#include "vfio-helpers.h"

bool vfio_nvgrace_bar_memory_size(struct vfio_region_info *info,
                                  uint64_t *size, Error **errp)
{
    struct vfio_info_cap_header *hdr;
    struct vfio_region_info_cap_sparse_mmap *sparse;

    hdr = vfio_get_region_info_cap(info, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
    if (!hdr) {
        error_setg(errp, "BAR%d has no sparse-mmap capability, so it is not "
                   "nvgrace-gpu's GPU memory", VFIO_PCI_NVGRACE_MEMORY_BAR);
        return false;
    }
    sparse = container_of(hdr, struct vfio_region_info_cap_sparse_mmap,
                          header);
    if (!vfio_region_info_cap_fits(info, hdr, sizeof(*sparse) +
                                   sizeof(sparse->areas[0]))) {
        error_setg(errp, "BAR%d's sparse-mmap capability is cut short by "
                   "the end of the region info", VFIO_PCI_NVGRACE_MEMORY_BAR);
        return false;
    }
    if (sparse->nr_areas != 1 || sparse->areas[0].offset) {
        error_setg(errp, "BAR%d's sparse-mmap capability has %u areas, "
                   "expected one at offset 0 (the GPU memory)",
                   VFIO_PCI_NVGRACE_MEMORY_BAR, sparse->nr_areas);
        return false;
    }
    *size = sparse->areas[0].size;
    if (!*size || !QEMU_IS_ALIGNED(*size, qemu_real_host_page_size()) ||
        *size > info->size) {
        error_setg(errp, "BAR%d's GPU memory size 0x%" PRIx64 " is not a "
                   "non-zero multiple of the host page size within the BAR",
                   VFIO_PCI_NVGRACE_MEMORY_BAR, *size);
        return false;
    }
    return true;
}
