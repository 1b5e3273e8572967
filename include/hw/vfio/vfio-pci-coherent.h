/*
 * vfio-pci-coherent: a VFIO PCI device's cache-coherent memory as guest RAM
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * What board code needs of it: the type, the properties that the
 * machine's firmware tables read, and how the machine's hotplug handler
 * plugs such a device.
 */

#ifndef HW_VFIO_VFIO_PCI_COHERENT_H
#define HW_VFIO_VFIO_PCI_COHERENT_H

#define TYPE_VFIO_PCI_COHERENT "vfio-pci-coherent"

#define VFIO_PCI_COHERENT_PROP_MEMADDR "memaddr"
#define VFIO_PCI_COHERENT_PROP_BAR "bar"
#define VFIO_PCI_COHERENT_PROP_NODE "node"
#define VFIO_PCI_COHERENT_PROP_NODE_COUNT "node-count"
#define VFIO_PCI_COHERENT_PROP_ONLINE "online"
#define VFIO_PCI_COHERENT_PROP_SIZE "size"      /* read-only */

/*
 * The memory's size is known only once vfio-pci has realized, so pre_plug
 * only lets the bus check the device, and plug places the memory in the
 * machine's device memory, checks that it is mapped for DMA and plugs the
 * device into its bus.
 */
void vfio_pci_coherent_pre_plug(DeviceState *dev, MachineState *ms,
                                Error **errp);
void vfio_pci_coherent_plug(DeviceState *dev, MachineState *ms, Error **errp);

#endif /* HW_VFIO_VFIO_PCI_COHERENT_H */
