/*
 * vfio-pci-nvgrace: an NVIDIA Grace GPU's cache-coherent memory as guest RAM
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Names and host ABI constants only, for board code and tests, which use
 * them without linking against the device.
 */

#ifndef HW_VFIO_NVGRACE_H
#define HW_VFIO_NVGRACE_H

#define TYPE_VFIO_PCI_NVGRACE "vfio-pci-nvgrace"

/* Its property beside those of vfio-pci-coherent, its parent. */
#define VFIO_PCI_NVGRACE_PROP_MEMORY_SOURCE "memory-source"

/*
 * One node per MIG instance (up to 8 on Hopper and Blackwell), as bare-metal
 * firmware declares them: Linux cannot create NUMA nodes after boot.
 */
#define VFIO_PCI_NVGRACE_DEFAULT_NODE_COUNT 8

/*
 * Host ABI of Linux's nvgrace-gpu driver (6.9+), which has no such region:
 * the memory is a fake 64-bit BAR4, a power of two; its one sparse-mmap
 * area at offset 0 is the memory that exists.  That is a multiple of
 * 512 MiB on GH200; on Blackwell it is all of the memory, which "may not
 * be 512M aligned".
 */
#define VFIO_PCI_NVGRACE_MEMORY_BAR 4

#endif /* HW_VFIO_NVGRACE_H */
