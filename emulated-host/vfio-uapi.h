/*
 * The host's uAPI as the emulated host offers it: Linux 7.3's
 * <linux/vfio.h> with the coherent-memory region type of kernel/0001, and
 * <linux/iommufd.h>.  Copies are kept in uapi/ (those of QEMU's
 * linux-headers after the series' header update), since the build
 * machine's own headers may predate both.
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef NVGRACE_VFIO_UAPI_H
#define NVGRACE_VFIO_UAPI_H

#include <linux/stddef.h>

/* Older <linux/stddef.h> (before Linux 6.9) lacks it. */
#ifndef __counted_by
#define __counted_by(m)
#endif

#include "uapi/linux/vfio.h"
#include "uapi/linux/iommufd.h"

#endif /* NVGRACE_VFIO_UAPI_H */
