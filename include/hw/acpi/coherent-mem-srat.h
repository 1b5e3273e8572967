/*
 * SRAT entries for coherent device memory that owns NUMA nodes
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_ACPI_COHERENT_MEM_SRAT_H
#define HW_ACPI_COHERENT_MEM_SRAT_H

/*
 * The Generic Initiator entries of the vfio-pci-coherent devices, one per
 * node (an array of AcpiPciInitiator), for
 * build_srat_generic_affinity_structures_with(): none for a device whose
 * nodes acpi-generic-initiator objects declare, as those build them.
 */
GArray *coherent_mem_generic_initiators(void);

/*
 * The SRAT entries of the machine's device memory: for each
 * vfio-pci-coherent device a Memory Affinity entry on its first node
 * (none for memory in a BAR), then, if the machine has device memory, the
 * hotplug window around the devices on @hotplug_node, or, when that is a
 * device's node, on the last node that is no device's.  Replaces the
 * single entry for the whole window.
 */
void coherent_mem_build_srat(GArray *table_data, MachineState *ms,
                             uint32_t hotplug_node);

#endif
