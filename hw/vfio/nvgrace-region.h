/*
 * vfio-pci-nvgrace: what a host's BAR4 info says about the GPU memory
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_VFIO_NVGRACE_REGION_H
#define HW_VFIO_NVGRACE_REGION_H

#include <linux/vfio.h>

/*
 * The size of the GPU memory in nvgrace-gpu's fake BAR described by @info:
 * its one sparse-mmap area, at offset 0, a non-zero multiple of the host
 * page size within the BAR.
 */
bool vfio_nvgrace_bar_memory_size(struct vfio_region_info *info,
                                  uint64_t *size, Error **errp);

#endif /* HW_VFIO_NVGRACE_REGION_H */
