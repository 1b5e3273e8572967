/*
 * The host's VFIO uAPI as the emulated host offers it: <linux/vfio.h> and
 * the coherent-memory region type that kernel/0001 adds to it.
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef NVGRACE_VFIO_UAPI_H
#define NVGRACE_VFIO_UAPI_H

#include <linux/vfio.h>

/* Until this machine's kernel headers carry the series (kernel/0001). */
#ifndef VFIO_REGION_TYPE_MEM
#define VFIO_REGION_TYPE_MEM                4
#define VFIO_REGION_SUBTYPE_MEM_COHERENT    1
#endif

#endif /* NVGRACE_VFIO_UAPI_H */
