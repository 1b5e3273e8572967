/*
 * vfio-pci-coherent: the machine's plug functions where it is not built
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/vfio/vfio-pci-coherent.h"

void vfio_pci_coherent_pre_plug(DeviceState *dev, MachineState *ms,
                                Error **errp)
{
    error_setg(errp, TYPE_VFIO_PCI_COHERENT " is not built in");
}

void vfio_pci_coherent_plug(DeviceState *dev, MachineState *ms, Error **errp)
{
    error_setg(errp, TYPE_VFIO_PCI_COHERENT " is not built in");
}
