/*
 * Firmware description of vfio-pci-nvgrace coherent memory
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_ACPI_NVGRACE_SRAT_H
#define HW_ACPI_NVGRACE_SRAT_H

#include "hw/boards.h"

/*
 * The SRAT entries of the machine's device memory: for each
 * vfio-pci-nvgrace GPU a Memory Affinity entry on its first node and a
 * Generic Initiator entry per node (unless acpi-generic-initiator objects
 * declare its nodes, and build those), then the hotplug window around the
 * GPUs on @hotplug_node, or, when that is a GPU's node, on the last node
 * that is no GPU's.  Replaces the single entry for the whole window.
 */
void nvgrace_build_srat(GArray *table_data, MachineState *ms,
                        uint32_t hotplug_node);

#endif
