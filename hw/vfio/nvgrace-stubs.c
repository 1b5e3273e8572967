/*
 * vfio-pci-nvgrace: the machine's plug functions where the device is not
 * built
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/vfio/nvgrace.h"
#include "hw/vfio/nvgrace-plug.h"

void vfio_pci_nvgrace_pre_plug(DeviceState *dev, MachineState *ms,
                               Error **errp)
{
    error_setg(errp, TYPE_VFIO_PCI_NVGRACE " is not built in");
}

void vfio_pci_nvgrace_plug(DeviceState *dev, MachineState *ms, Error **errp)
{
    error_setg(errp, TYPE_VFIO_PCI_NVGRACE " is not built in");
}
