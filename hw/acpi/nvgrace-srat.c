/*
 * Firmware description of vfio-pci-nvgrace coherent memory
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Bare-metal Grace firmware gives the GPU's memory a NUMA node of its own
 * and declares one memory-only node per MIG instance; the guest driver
 * finds them through SRAT.  This file builds those entries for every
 * vfio-pci-nvgrace device.  It finds the devices by QOM type and only
 * reads their properties, so a machine uses it without linking against
 * hw/vfio.
 */

#include "qemu/osdep.h"
#include "hw/acpi/aml-build.h"
#include "hw/acpi/nvgrace-srat.h"
#include "hw/acpi/pci.h"
#include "hw/qdev-core.h"
#include "hw/vfio/vfio-pci-coherent.h"
#include "qapi/error.h"
#include "qapi/qapi-types-machine.h"
#include "qapi/util.h"
#include "system/numa.h"
#include "trace.h"

typedef struct NvgraceGpu {
    char *name;                 /* for messages: id, else host address */
    uint64_t base;
    uint64_t size;
    uint32_t node;
    uint32_t node_count;
    bool online_boot;
    bool gi_objects;            /* its nodes are acpi-generic-initiators' */
    uint8_t bus;
    uint8_t devfn;
} NvgraceGpu;

/*
 * How errors and traces name a GPU: its id, else its host address as
 * vfio-pci names it (vfio-pci fills sysfsdev in from host= too), else,
 * for a GPU given by fd=, its QOM path.
 */
static char *nvgrace_gpu_name(DeviceState *dev)
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

static int nvgrace_collect_gpu(Object *obj, void *opaque)
{
    GArray *gpus = opaque;
    g_autoptr(GArray) gi_nodes = NULL;
    g_autofree char *online = NULL;
    DeviceState *dev;
    NvgraceGpu gpu;

    if (!object_dynamic_cast(obj, TYPE_VFIO_PCI_COHERENT)) {
        return 0;
    }
    dev = DEVICE(obj);
    if (!dev->realized) {
        return 0;
    }
    gpu.name = nvgrace_gpu_name(dev);
    gpu.base = object_property_get_uint(obj, VFIO_PCI_COHERENT_PROP_MEMADDR,
                                        &error_abort);
    gpu.size = object_property_get_uint(obj, VFIO_PCI_COHERENT_PROP_SIZE,
                                        &error_abort);
    gpu.node = object_property_get_uint(obj, VFIO_PCI_COHERENT_PROP_NODE,
                                        &error_abort);
    gpu.node_count = object_property_get_uint(obj,
                                              VFIO_PCI_COHERENT_PROP_NODE_COUNT,
                                              &error_abort);
    online = object_property_get_str(obj, VFIO_PCI_COHERENT_PROP_ONLINE,
                                     &error_abort);
    gpu.online_boot = qapi_enum_parse(&VfioPciNvgraceOnline_lookup, online,
                                      -1, &error_abort) ==
                      VFIO_PCI_NVGRACE_ONLINE_BOOT;
    gi_nodes = acpi_generic_initiator_nodes(obj);
    gpu.gi_objects = gi_nodes->len;
    /* The bus number the firmware gave the GPU's bus, as the guest sees. */
    gpu.bus = object_property_get_uint(obj, "busnr", &error_abort);
    gpu.devfn = object_property_get_uint(obj, "addr", &error_abort);
    g_array_append_val(gpus, gpu);
    return 0;
}

static void nvgrace_gpu_clear(gpointer data)
{
    g_free(((NvgraceGpu *)data)->name);
}

static gint nvgrace_gpu_compare_base(gconstpointer a, gconstpointer b)
{
    const NvgraceGpu *ga = a, *gb = b;

    return ga->base < gb->base ? -1 : ga->base > gb->base;
}

/* The realized GPUs, by guest physical address. */
static GArray *nvgrace_gpus(void)
{
    GArray *gpus = g_array_new(false, false, sizeof(NvgraceGpu));

    g_array_set_clear_func(gpus, nvgrace_gpu_clear);
    object_child_foreach_recursive(qdev_get_machine(), nvgrace_collect_gpu,
                                   gpus);
    g_array_sort(gpus, nvgrace_gpu_compare_base);
    return gpus;
}

static bool nvgrace_gpu_owns_node(GArray *gpus, uint32_t node)
{
    guint i;

    for (i = 0; i < gpus->len; i++) {
        NvgraceGpu *gpu = &g_array_index(gpus, NvgraceGpu, i);

        if (node >= gpu->node && node < gpu->node + gpu->node_count) {
            return true;
        }
    }
    return false;
}

/*
 * Bare metal gives a MIG node no hot-pluggable memory, and the GPU's
 * nodes are memory-only: the window goes to the last node that is no
 * GPU's.  One exists, since a node has the CPUs.
 */
static uint32_t nvgrace_hotplug_node(GArray *gpus, uint32_t node)
{
    while (node && nvgrace_gpu_owns_node(gpus, node)) {
        node--;
    }
    return node;
}

void nvgrace_build_srat(GArray *table_data, MachineState *ms,
                        uint32_t hotplug_node)
{
    g_autoptr(GArray) gpus = nvgrace_gpus();
    uint64_t window = ms->device_memory->base;
    uint64_t window_end = window + memory_region_size(&ms->device_memory->mr);
    uint32_t n;
    guint i;

    for (i = 0; i < gpus->len; i++) {
        NvgraceGpu *gpu = &g_array_index(gpus, NvgraceGpu, i);

        /*
         * Memory the guest driver onlines itself is hotpluggable: the
         * guest keeps it out of its boot memory map.
         */
        build_srat_memory(table_data, gpu->base, gpu->size, gpu->node,
                          MEM_AFFINITY_ENABLED |
                          (gpu->online_boot ? 0 : MEM_AFFINITY_HOTPLUGGABLE));
        /* With that entry the node is a valid target of the HMAT. */
        ms->numa_state->nodes[gpu->node].has_device_mem = true;
        /*
         * Every node of the GPU is a Generic Initiator for it: this is
         * how the guest driver finds the nodes of its MIG instances.
         * Nodes declared by acpi-generic-initiator objects have theirs.
         */
        for (n = gpu->node;
             !gpu->gi_objects && n < gpu->node + gpu->node_count; n++) {
            build_srat_pci_generic_initiator(table_data, n, 0, gpu->bus,
                                             gpu->devfn);
        }
        trace_nvgrace_build_srat(gpu->name, gpu->base, gpu->size, gpu->node,
                                 gpu->node_count, gpu->bus, gpu->devfn);
    }

    /* The rest of the window stays hotpluggable; entries must not overlap. */
    hotplug_node = nvgrace_hotplug_node(gpus, hotplug_node);
    for (i = 0; i < gpus->len; i++) {
        NvgraceGpu *gpu = &g_array_index(gpus, NvgraceGpu, i);

        if (gpu->base > window) {
            build_srat_memory(table_data, window, gpu->base - window,
                              hotplug_node,
                              MEM_AFFINITY_HOTPLUGGABLE | MEM_AFFINITY_ENABLED);
        }
        window = gpu->base + gpu->size;
    }
    if (window < window_end) {
        build_srat_memory(table_data, window, window_end - window,
                          hotplug_node,
                          MEM_AFFINITY_HOTPLUGGABLE | MEM_AFFINITY_ENABLED);
    }
}
