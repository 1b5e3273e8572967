/*
 * SRAT entries for coherent device memory that owns NUMA nodes
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Coherent device memory given to the guest as RAM (vfio-pci-coherent)
 * owns a range of memory-only NUMA nodes: on bare metal a Grace GPU's
 * memory has a node of its own and one per MIG instance, and the guest
 * driver finds them through SRAT.  This file builds those entries for
 * every such device.  It finds the devices by QOM type and only reads
 * their properties, so a machine uses it without linking against hw/vfio.
 */

#include "qemu/osdep.h"
#include "hw/acpi/aml-build.h"
#include "hw/acpi/coherent-mem-srat.h"
#include "hw/acpi/pci.h"
#include "hw/boards.h"
#include "hw/qdev-core.h"
#include "hw/vfio/vfio-pci-coherent.h"
#include "qapi/error.h"
#include "qapi/qapi-types-machine.h"
#include "qapi/util.h"
#include "system/numa.h"
#include "trace.h"

typedef struct CoherentMem {
    char *name;                 /* for messages: id, else host address */
    uint64_t base;
    uint64_t size;
    uint32_t node;
    uint32_t node_count;
    bool in_bar;                /* the guest's firmware places it */
    bool online_boot;
    bool gi_objects;            /* its nodes are acpi-generic-initiators' */
    uint8_t bus;
    uint8_t devfn;
} CoherentMem;

/*
 * How errors and traces name a device: its id, else its host address as
 * vfio-pci names it (vfio-pci fills sysfsdev in from host= too), else,
 * for a device given by fd=, its QOM path.
 */
static char *coherent_mem_name(DeviceState *dev)
{
    g_autofree char *sysfsdev = NULL;

    if (dev->id) {
        return g_strdup(dev->id);
    }
    sysfsdev = object_property_get_str(OBJECT(dev), "sysfsdev", &error_abort);
    if (*sysfsdev) {
        return g_path_get_basename(sysfsdev);
    }
    return object_get_canonical_path(OBJECT(dev));
}

static int coherent_mem_collect(Object *obj, void *opaque)
{
    GArray *mems = opaque;
    g_autoptr(GArray) gi_nodes = NULL;
    g_autofree char *online = NULL;
    DeviceState *dev;
    CoherentMem mem;

    if (!object_dynamic_cast(obj, TYPE_VFIO_PCI_COHERENT)) {
        return 0;
    }
    dev = DEVICE(obj);
    if (!dev->realized) {
        return 0;
    }
    mem.name = coherent_mem_name(dev);
    mem.base = object_property_get_uint(obj, VFIO_PCI_COHERENT_PROP_MEMADDR,
                                        &error_abort);
    mem.in_bar = object_property_get_int(obj, VFIO_PCI_COHERENT_PROP_BAR,
                                         &error_abort) >= 0;
    mem.size = object_property_get_uint(obj, VFIO_PCI_COHERENT_PROP_SIZE,
                                        &error_abort);
    mem.node = object_property_get_uint(obj, VFIO_PCI_COHERENT_PROP_NODE,
                                        &error_abort);
    mem.node_count = object_property_get_uint(obj,
                                              VFIO_PCI_COHERENT_PROP_NODE_COUNT,
                                              &error_abort);
    online = object_property_get_str(obj, VFIO_PCI_COHERENT_PROP_ONLINE,
                                     &error_abort);
    mem.online_boot = qapi_enum_parse(&VfioPciCoherentOnline_lookup, online,
                                      -1, &error_abort) ==
                      VFIO_PCI_COHERENT_ONLINE_BOOT;
    gi_nodes = acpi_generic_initiator_nodes(obj);
    mem.gi_objects = gi_nodes->len;
    /* The bus number the firmware gave the device's bus, as the guest sees. */
    mem.bus = object_property_get_uint(obj, "busnr", &error_abort);
    mem.devfn = object_property_get_uint(obj, "addr", &error_abort);
    g_array_append_val(mems, mem);
    return 0;
}

static void coherent_mem_clear(gpointer data)
{
    g_free(((CoherentMem *)data)->name);
}

static gint coherent_mem_compare_base(gconstpointer a, gconstpointer b)
{
    const CoherentMem *ma = a, *mb = b;

    return ma->base < mb->base ? -1 : ma->base > mb->base;
}

/* The realized devices, by guest physical address. */
static GArray *coherent_mems(void)
{
    GArray *mems = g_array_new(false, false, sizeof(CoherentMem));

    g_array_set_clear_func(mems, coherent_mem_clear);
    object_child_foreach_recursive(qdev_get_machine(), coherent_mem_collect,
                                   mems);
    g_array_sort(mems, coherent_mem_compare_base);
    return mems;
}

static bool coherent_mem_owns_node(GArray *mems, uint32_t node)
{
    guint i;

    for (i = 0; i < mems->len; i++) {
        CoherentMem *mem = &g_array_index(mems, CoherentMem, i);

        if (node >= mem->node && node < mem->node + mem->node_count) {
            return true;
        }
    }
    return false;
}

/*
 * A device's nodes are memory-only (bare metal gives a Grace GPU's MIG
 * node no hot-pluggable memory): the window goes to the last node that is
 * no device's.  One exists, since a node has the CPUs.
 */
static uint32_t coherent_mem_hotplug_node(GArray *mems, uint32_t node)
{
    while (node && coherent_mem_owns_node(mems, node)) {
        node--;
    }
    return node;
}

GArray *coherent_mem_generic_initiators(void)
{
    g_autoptr(GArray) mems = coherent_mems();
    GArray *gis = g_array_new(false, false, sizeof(AcpiPciInitiator));
    AcpiPciInitiator gi;
    guint i;

    /*
     * Every node of the device is a Generic Initiator for it: this is how
     * a Grace GPU's driver finds the nodes of its MIG instances.  Nodes
     * declared by acpi-generic-initiator objects have theirs.
     */
    for (i = 0; i < mems->len; i++) {
        CoherentMem *mem = &g_array_index(mems, CoherentMem, i);

        for (gi.node = mem->node;
             !mem->gi_objects && gi.node < mem->node + mem->node_count;
             gi.node++) {
            gi.bus = mem->bus;
            gi.devfn = mem->devfn;
            g_array_append_val(gis, gi);
        }
    }
    return gis;
}

void coherent_mem_build_srat(GArray *table_data, MachineState *ms,
                             uint32_t hotplug_node)
{
    g_autoptr(GArray) mems = coherent_mems();
    uint64_t window, window_end;
    guint i;

    for (i = 0; i < mems->len; i++) {
        CoherentMem *mem = &g_array_index(mems, CoherentMem, i);

        /*
         * Memory the guest driver onlines itself is hotpluggable: the
         * guest keeps it out of its boot memory map.  In a BAR, the
         * guest's firmware places it: the nodes have no range here.
         */
        if (!mem->in_bar) {
            build_srat_memory(table_data, mem->base, mem->size, mem->node,
                              MEM_AFFINITY_ENABLED |
                              (mem->online_boot ? 0 :
                               MEM_AFFINITY_HOTPLUGGABLE));
            /* With that entry the node is a valid target of the HMAT. */
            ms->numa_state->nodes[mem->node].has_device_mem = true;
        }
        trace_coherent_mem_build_srat(mem->name, mem->base, mem->size,
                                      mem->node, mem->node_count, mem->bus,
                                      mem->devfn);
    }

    /* Without device memory, any device's memory is in a BAR. */
    if (!ms->device_memory) {
        return;
    }
    /* The rest of the window stays hotpluggable; entries must not overlap. */
    window = ms->device_memory->base;
    window_end = window + memory_region_size(&ms->device_memory->mr);
    hotplug_node = coherent_mem_hotplug_node(mems, hotplug_node);
    for (i = 0; i < mems->len; i++) {
        CoherentMem *mem = &g_array_index(mems, CoherentMem, i);

        if (mem->in_bar) {
            continue;
        }
        if (mem->base > window) {
            build_srat_memory(table_data, window, mem->base - window,
                              hotplug_node,
                              MEM_AFFINITY_HOTPLUGGABLE | MEM_AFFINITY_ENABLED);
        }
        window = mem->base + mem->size;
    }
    if (window < window_end) {
        build_srat_memory(table_data, window, window_end - window,
                          hotplug_node,
                          MEM_AFFINITY_HOTPLUGGABLE | MEM_AFFINITY_ENABLED);
    }
}
