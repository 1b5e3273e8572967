/*
 * vfio-pci-coherent: a VFIO PCI device's cache-coherent memory as guest RAM
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_VFIO_PCI_COHERENT_H
#define HW_VFIO_PCI_COHERENT_H

#include <linux/vfio.h>
#include "hw/vfio/vfio-pci-coherent.h"
#include "pci.h"

OBJECT_DECLARE_TYPE(VFIOPCICoherent, VFIOPCICoherentClass, VFIO_PCI_COHERENT)

struct VFIOPCICoherent {
    VFIOPCIDevice parent_obj;

    uint64_t memaddr;
    int32_t bar;                /* the guest's BAR for it, or -1 */
    uint32_t node;
    uint32_t node_count;
    int online;                 /* VfioPciCoherentOnline */
    /* The region that holds the memory, as the regions' probe found it */
    uint32_t mem_index;
    uint64_t mem_offset;        /* of the region in the device fd */
    uint32_t mem_flags;
    int source;                 /* VfioPciCoherentMemorySource */
    uint64_t mem_size;          /* from offset 0 of the region */
    void *mem_map;
    MemoryRegion mem;
    MemoryRegion bar_mr;        /* with 'bar': mem, then bar_tail */
    MemoryRegion bar_tail;
    Error *dmabuf_error;        /* why the host exports no dma-buf of it */
    bool plugged;
    Error *migration_blocker;
};

struct VFIOPCICoherentClass {
    VFIOPCIDeviceClass parent_class;

    void (*parent_realize)(PCIDevice *pdev, Error **errp);
    void (*parent_exit)(PCIDevice *pdev);
    /*
     * Called by realize once vfio-pci has realized, before the memory is
     * mapped: what a subclass needs of the host or the machine for it.
     */
    bool (*prepare_memory)(VFIOPCICoherent *cd, Error **errp);
    /*
     * What node-count=0, the default, means: each kind of device owns its
     * own number of nodes.
     */
    uint32_t default_node_count;
};

/*
 * For a subclass's probe_regions: the memory is the first @size bytes of
 * the region @info describes.
 */
void vfio_pci_coherent_set_memory(VFIOPCICoherent *cd,
                                  struct vfio_region_info *info,
                                  uint64_t size);

/*
 * The device-specific region of coherent memory (VFIO_REGION_TYPE_MEM,
 * VFIO_REGION_SUBTYPE_MEM_COHERENT), if the host offers one: then it is
 * the memory.
 */
bool vfio_pci_coherent_find_region(VFIOPCICoherent *cd);

#endif /* HW_VFIO_PCI_COHERENT_H */
