/*
 * vfio-pci-nvgrace: how a machine's hotplug handler plugs the device
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_VFIO_NVGRACE_PLUG_H
#define HW_VFIO_NVGRACE_PLUG_H

/*
 * The memory's size is known only once vfio-pci has realized, so pre_plug
 * only lets the bus check the device, and plug places the memory in the
 * machine's device memory, checks that it is mapped for DMA and plugs the
 * device into its bus.
 */
void vfio_pci_nvgrace_pre_plug(DeviceState *dev, MachineState *ms,
                               Error **errp);
void vfio_pci_nvgrace_plug(DeviceState *dev, MachineState *ms, Error **errp);

#endif /* HW_VFIO_NVGRACE_PLUG_H */
