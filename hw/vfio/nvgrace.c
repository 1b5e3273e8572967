/*
 * vfio-pci-nvgrace: an NVIDIA Grace GPU's cache-coherent memory as guest RAM
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * On Grace Hopper and Grace Blackwell the CPU reaches the GPU's memory
 * cache-coherently over NVLink-C2C; on the host it is system memory.  This
 * device assigns the GPU like vfio-pci does and, in addition, maps that
 * memory, which the host exposes as a VFIO device-specific region or, with
 * today's nvgrace-gpu driver, as a fake BAR4, into the guest as ordinary
 * RAM (not a BAR): placed by the memory-device framework in the machine's
 * device-memory area, directly over the host mapping, so that the guest
 * can online it like bare-metal firmware describes it.
 */

#include "qemu/osdep.h"
#include <linux/vfio.h>

#include "hw/acpi/acpi_aml_interface.h"
#include "hw/acpi/aml-build.h"
#include "hw/acpi/pci.h"
#include "hw/boards.h"
#include "hw/hotplug.h"
#include "hw/core/qdev-prop-internal.h"
#include "hw/mem/memory-device.h"
#include "hw/qdev-properties.h"
#include "migration/blocker.h"
#include "migration/vmstate.h"
#include "qapi/error.h"
#include "qapi/qapi-types-machine.h"
#include "qapi/visitor.h"
#include "qemu/error-report.h"
#include "qemu/host-utils.h"
#include "qemu/range.h"
#include "qemu/units.h"
#include "system/kvm.h"
#include "system/numa.h"
#include "hw/vfio/nvgrace.h"
#include "hw/vfio/nvgrace-plug.h"
#include "nvgrace-region.h"
#include "pci.h"
#include "vfio-helpers.h"
#include "vfio-region.h"
#include "trace.h"

#define NVGRACE_NODE_UNSET UINT32_MAX

/*
 * Where the memory starts, in the host's address space and the guest's: on
 * its size rounded up to a power of two, at most 1 GiB, so that both map it
 * with huge pages.  Rounded up, not down: a Blackwell size is no power of
 * two, and the largest one dividing it can be 64 KiB, below the PMD size of
 * a 64 KiB-page host.
 */
#define NVGRACE_MAX_ALIGN (1 * GiB)

/*
 * In the guest also at least on the largest memory block of an arm64 guest
 * (512 MiB, with 64 KiB pages): its driver adds the memory by whole blocks.
 */
#define NVGRACE_PLACEMENT_ALIGN (512 * MiB)

OBJECT_DECLARE_TYPE(VFIOPCINvgrace, VFIOPCINvgraceClass, VFIO_PCI_NVGRACE)

struct VFIOPCINvgrace {
    VFIOPCIDevice parent_obj;

    uint64_t memaddr;
    uint32_t node;
    uint32_t node_count;
    int online;                 /* VfioPciNvgraceOnline */
    int memory_source;          /* VfioPciNvgraceMemorySource, requested */
    /* Where the host offers the memory, found by the regions' probe */
    int coherent_source;        /* VfioPciNvgraceMemorySource, used */
    uint32_t coherent_index;
    uint64_t coherent_offset;   /* of the region in the device fd */
    uint32_t coherent_flags;
    void *coherent_map;
    uint64_t coherent_size;
    MemoryRegion coherent_mem;
    Error *dmabuf_error;        /* why the host exports no dma-buf of it */
    bool plugged;
    Error *migration_blocker;
};

struct VFIOPCINvgraceClass {
    VFIOPCIDeviceClass parent_class;

    void (*parent_realize)(PCIDevice *pdev, Error **errp);
    void (*parent_exit)(PCIDevice *pdev);
};

/*
 * The machine must describe the memory to the guest (SRAT, _DSD, DT) and
 * plug it through its hotplug handler.
 */
static bool vfio_pci_nvgrace_check_machine(VFIOPCINvgrace *nv, Error **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(qdev_get_machine());

    if (!mc->vfio_coherent_mem_supported ||
        !qdev_get_machine_hotplug_handler(DEVICE(nv))) {
        error_setg(errp, "%s needs a machine that describes the GPU memory "
                   "to the guest; machine '%s' does not",
                   TYPE_VFIO_PCI_NVGRACE, mc->name);
        error_append_hint(errp, "Arm's 'virt' machine does.\n");
        return false;
    }
    return true;
}

static uint64_t vfio_pci_nvgrace_align(const VFIOPCINvgrace *nv)
{
    return MIN(pow2ceil(nv->coherent_size), NVGRACE_MAX_ALIGN);
}

static uint64_t vfio_pci_nvgrace_placement_align(const VFIOPCINvgrace *nv)
{
    return MAX(vfio_pci_nvgrace_align(nv), NVGRACE_PLACEMENT_ALIGN);
}

static int vfio_pci_nvgrace_find_node_owner(Object *obj, void *opaque)
{
    VFIOPCINvgrace **nv = opaque;
    VFIOPCINvgrace *other;

    if (obj == OBJECT(*nv) ||
        !object_dynamic_cast(obj, TYPE_VFIO_PCI_NVGRACE)) {
        return 0;
    }
    other = VFIO_PCI_NVGRACE(obj);
    if (other->plugged && ranges_overlap((*nv)->node, (*nv)->node_count,
                                         other->node, other->node_count)) {
        *nv = other;
        return 1;
    }
    return 0;
}

static bool vfio_pci_nvgrace_node_has_cpus(MachineState *ms, uint32_t node)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    const CPUArchIdList *cpus = mc->possible_cpu_arch_ids(ms);
    int i;

    for (i = 0; i < cpus->len; i++) {
        if (cpus->cpus[i].props.has_node_id &&
            cpus->cpus[i].props.node_id == node) {
            return true;
        }
    }
    return false;
}

/*
 * The nodes are the GPU's alone and memory-only: the guest driver onlines
 * the memory into the first and gives the others to MIG instances.
 */
static bool vfio_pci_nvgrace_check_nodes(VFIOPCINvgrace *nv, Error **errp)
{
    ERRP_GUARD();
    MachineState *ms = MACHINE(qdev_get_machine());
    NumaState *numa = ms->numa_state;
    VFIOPCINvgrace *owner = nv;
    bool has_cpus;
    uint32_t n;

    if (nv->node == NVGRACE_NODE_UNSET) {
        error_setg(errp, "'" VFIO_PCI_NVGRACE_PROP_NODE "' is not set");
        error_append_hint(errp, "Declare the GPU's memory-only NUMA nodes "
                          "with -numa node,nodeid=N and set "
                          VFIO_PCI_NVGRACE_PROP_NODE "=N.\n");
        return false;
    }
    if (!nv->node_count) {
        error_setg(errp, "'" VFIO_PCI_NVGRACE_PROP_NODE_COUNT "' must be at "
                   "least 1");
        return false;
    }
    if (nv->node >= MAX_NODES || nv->node_count > MAX_NODES - nv->node) {
        error_setg(errp, "'" VFIO_PCI_NVGRACE_PROP_NODE "' %u with '"
                   VFIO_PCI_NVGRACE_PROP_NODE_COUNT "' %u goes past the last "
                   "possible NUMA node, %d", nv->node, nv->node_count,
                   MAX_NODES - 1);
        return false;
    }
    for (n = nv->node; n < nv->node + nv->node_count; n++) {
        if (n >= numa->num_nodes || !numa->nodes[n].present) {
            error_setg(errp, "'" VFIO_PCI_NVGRACE_PROP_NODE "' %u with '"
                       VFIO_PCI_NVGRACE_PROP_NODE_COUNT "' %u: NUMA node %u "
                       "is not declared", nv->node, nv->node_count, n);
            error_append_hint(errp, "Add -numa node,nodeid=%u.\n", n);
            return false;
        }
        has_cpus = vfio_pci_nvgrace_node_has_cpus(ms, n);
        if (has_cpus || numa->nodes[n].node_mem) {
            error_setg(errp, "'" VFIO_PCI_NVGRACE_PROP_NODE "' %u with '"
                       VFIO_PCI_NVGRACE_PROP_NODE_COUNT "' %u: NUMA node %u "
                       "has %s; the GPU's nodes must be memory-only",
                       nv->node, nv->node_count, n,
                       has_cpus ? "CPUs" : "memory");
            error_append_hint(errp, "Declare them without cpus= and "
                              "memdev=.\n");
            return false;
        }
    }
    if (object_child_foreach_recursive(qdev_get_machine(),
                                       vfio_pci_nvgrace_find_node_owner,
                                       &owner)) {
        error_setg(errp, "'" VFIO_PCI_NVGRACE_PROP_NODE "' %u with '"
                   VFIO_PCI_NVGRACE_PROP_NODE_COUNT "' %u: NUMA nodes %u-%u "
                   "belong to %s '%s'",
                   nv->node, nv->node_count, owner->node,
                   owner->node + owner->node_count - 1, TYPE_VFIO_PCI_NVGRACE,
                   owner->parent_obj.vbasedev.name);
        error_append_hint(errp, "Give each GPU NUMA nodes of its own.\n");
        return false;
    }
    return true;
}

/*
 * The GPU's nodes come from 'node' and 'node-count', or from the
 * acpi-generic-initiator objects that name the device, as libvirt's
 * <acpi nodeset=.../> and KubeVirt declare them; never from both, since
 * whoever declares a node builds its Generic Initiator entry.
 */
static bool vfio_pci_nvgrace_take_generic_initiators(VFIOPCINvgrace *nv,
                                                     Error **errp)
{
    ERRP_GUARD();
    g_autoptr(GArray) nodes = acpi_generic_initiator_nodes(OBJECT(nv));
    uint32_t first, n;
    guint i;

    if (!nodes->len) {
        return true;
    }
    if (nv->node != NVGRACE_NODE_UNSET) {
        error_setg(errp, "'" VFIO_PCI_NVGRACE_PROP_NODE "' is set, and %u "
                   "%s objects name this device too", nodes->len,
                   TYPE_ACPI_GENERIC_INITIATOR);
        error_append_hint(errp, "Declare the GPU's NUMA nodes one way: "
                          "with " VFIO_PCI_NVGRACE_PROP_NODE "= and "
                          VFIO_PCI_NVGRACE_PROP_NODE_COUNT "=, or with the "
                          "objects alone.\n");
        return false;
    }
    first = g_array_index(nodes, uint32_t, 0);
    for (i = 1; i < nodes->len; i++) {
        n = g_array_index(nodes, uint32_t, i);
        if (n != first + i) {
            error_setg(errp, "the %s objects that name this device %s NUMA "
                       "node %u; the GPU's nodes are one range, each named "
                       "once", TYPE_ACPI_GENERIC_INITIATOR,
                       n < first + i ? "name twice" : "skip",
                       n < first + i ? n : first + i);
            return false;
        }
    }
    if (nv->node_count != VFIO_PCI_NVGRACE_DEFAULT_NODE_COUNT &&
        nv->node_count != nodes->len) {
        error_setg(errp, "'" VFIO_PCI_NVGRACE_PROP_NODE_COUNT "' %u does not "
                   "match the %u %s objects that name this device",
                   nv->node_count, nodes->len, TYPE_ACPI_GENERIC_INITIATOR);
        return false;
    }
    nv->node = first;
    nv->node_count = nodes->len;
    return true;
}

static void vfio_pci_nvgrace_set_coherent(VFIOPCINvgrace *nv, int source,
                                          struct vfio_region_info *info,
                                          uint64_t size)
{
    nv->coherent_source = source;
    nv->coherent_index = info->index;
    nv->coherent_offset = info->offset;
    nv->coherent_flags = info->flags;
    nv->coherent_size = size;
    trace_vfio_pci_nvgrace_coherent_region(
        nv->parent_obj.vbasedev.name,
        VfioPciNvgraceMemorySource_str(source), info->index, size,
        info->offset, info->flags);
}

/* The device-specific region: the memory, exactly. */
static bool vfio_pci_nvgrace_probe_region(VFIOPCINvgrace *nv)
{
    struct vfio_region_info *info;

    /* The info is cached by vfio: it must not be freed here. */
    if (vfio_device_get_region_info_type(&nv->parent_obj.vbasedev,
                                         VFIO_REGION_TYPE_MEM,
                                         VFIO_REGION_SUBTYPE_MEM_COHERENT,
                                         &info)) {
        return false;
    }
    vfio_pci_nvgrace_set_coherent(nv, VFIO_PCI_NVGRACE_MEMORY_SOURCE_REGION,
                                  info, info->size);
    return true;
}

/*
 * Linux's nvgrace-gpu (6.9+) shows the memory as a fake BAR4: a power of
 * two, whose one sparse-mmap area is the memory that exists.  Take that
 * area; the guest does not get the BAR.
 */
static bool vfio_pci_nvgrace_probe_bar(VFIOPCINvgrace *nv, Error **errp)
{
    VFIOPCIDevice *vdev = &nv->parent_obj;
    struct vfio_region_info *info;
    uint64_t size;

    if (vfio_device_get_region_info(&vdev->vbasedev,
                                    VFIO_PCI_NVGRACE_MEMORY_BAR, &info) ||
        !info->size) {
        error_setg(errp, "host offers no BAR%d", VFIO_PCI_NVGRACE_MEMORY_BAR);
        return false;
    }
    if (!vfio_nvgrace_bar_memory_size(info, &size, errp)) {
        return false;
    }
    vfio_pci_nvgrace_set_coherent(nv, VFIO_PCI_NVGRACE_MEMORY_SOURCE_BAR,
                                  info, size);
    vfio_pci_hide_bar(vdev, VFIO_PCI_NVGRACE_MEMORY_BAR);
    return true;
}

/*
 * Where the host offers the GPU memory, decided here only, once vfio-pci
 * knows the device's regions and before it sets up the BARs: the
 * device-specific region when there is one (it is exact), else the fake
 * BAR of today's nvgrace-gpu driver; 'memory-source' can insist on one.
 */
static bool vfio_pci_nvgrace_probe_regions(VFIOPCIDevice *vdev, Error **errp)
{
    VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(vdev);
    Error *bar_err = NULL;

    if (nv->memory_source != VFIO_PCI_NVGRACE_MEMORY_SOURCE_BAR &&
        vfio_pci_nvgrace_probe_region(nv)) {
        /*
         * nvgrace-gpu offers the same memory as BAR4 as well: the guest
         * has it as RAM, not again as a BAR, and QEMU does not map it
         * twice (a memory error would be reported for both mappings).
         */
        vfio_pci_hide_bar(vdev, VFIO_PCI_NVGRACE_MEMORY_BAR);
        return true;
    }
    if (nv->memory_source != VFIO_PCI_NVGRACE_MEMORY_SOURCE_REGION) {
        if (vfio_pci_nvgrace_probe_bar(nv, &bar_err)) {
            return true;
        }
        if (nv->memory_source == VFIO_PCI_NVGRACE_MEMORY_SOURCE_BAR) {
            error_propagate_prepend(errp, bar_err, "'"
                                    VFIO_PCI_NVGRACE_PROP_MEMORY_SOURCE
                                    "=bar': ");
            return false;
        }
    }
    error_setg(errp, "host offers no coherent-memory region (device-specific "
               "region type 0x%x subtype %u)%s%s",
               VFIO_REGION_TYPE_MEM, VFIO_REGION_SUBTYPE_MEM_COHERENT,
               bar_err ? " and " : "",
               bar_err ? error_get_pretty(bar_err) : "");
    error_append_hint(errp, "Is the GPU bound to a VFIO driver that exposes "
                      "its coherent memory (nvgrace-gpu)?  The trace event "
                      "vfio_device_get_region_info_type lists the regions "
                      "the host offers.\n");
    error_free(bar_err);
    return false;
}

/*
 * KVM on arm64 maps a PFNMAP VMA cacheable at stage 2 only with FEAT_S2FWB
 * (Linux 6.17+ says so with this capability); else the guest would get
 * Device memory, where atomics and unaligned accesses fault.
 */
static bool vfio_pci_nvgrace_check_kvm(Error **errp)
{
#ifdef CONFIG_KVM
    if (kvm_enabled() &&
        kvm_vm_check_extension(kvm_state,
                               KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED) <= 0) {
        error_setg(errp, "host KVM cannot map the GPU memory cacheable into "
                   "the guest (KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED is "
                   "missing: it needs FEAT_S2FWB and Linux 6.17 or later on "
                   "the host)");
        return false;
    }
#endif
    return true;
}

/*
 * All of the memory becomes guest RAM, so all of it must be mapped: a
 * sparse-mmap capability may describe it only as one area from offset 0.
 */
static bool vfio_pci_nvgrace_check_mmap_areas(VFIOPCINvgrace *nv,
                                              Error **errp)
{
    struct vfio_region_info *info;
    struct vfio_info_cap_header *hdr;
    struct vfio_region_info_cap_sparse_mmap *sparse;
    int ret;

    ret = vfio_device_get_region_info(&nv->parent_obj.vbasedev,
                                      nv->coherent_index, &info);
    if (ret) {
        error_setg_errno(errp, -ret, "cannot get coherent-memory region %u "
                         "info", nv->coherent_index);
        return false;
    }
    hdr = vfio_get_region_info_cap(info, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
    if (!hdr) {
        return true;
    }
    sparse = container_of(hdr, struct vfio_region_info_cap_sparse_mmap,
                          header);
    if (!vfio_region_info_cap_fits(info, hdr, sizeof(*sparse) +
                                   sizeof(sparse->areas[0]))) {
        error_setg(errp, "coherent-memory region %u's sparse-mmap capability "
                   "is cut short by the end of the region info",
                   nv->coherent_index);
        return false;
    }
    if (sparse->nr_areas != 1 || sparse->areas[0].offset ||
        sparse->areas[0].size < nv->coherent_size) {
        error_setg(errp, "coherent-memory region %u can be mmapped only in "
                   "part (its sparse-mmap capability has %u areas, not one "
                   "over all of it)", nv->coherent_index, sparse->nr_areas);
        return false;
    }
    return true;
}

static bool vfio_pci_nvgrace_map_coherent_mem(VFIOPCINvgrace *nv,
                                              Error **errp)
{
    VFIODevice *vbasedev = &nv->parent_obj.vbasedev;
    g_autofree char *name = NULL;
    int prot = 0;

    if (vbasedev->no_mmap) {
        error_setg(errp, "x-no-mmap is not supported: the GPU memory is "
                   "guest RAM only as a mapping of the host's");
        return false;
    }
    if (!(nv->coherent_flags & VFIO_REGION_INFO_FLAG_MMAP)) {
        error_setg(errp, "coherent-memory region %u cannot be mmapped",
                   nv->coherent_index);
        return false;
    }
    if (!nv->coherent_size ||
        !QEMU_IS_ALIGNED(nv->coherent_size, qemu_real_host_page_size())) {
        error_setg(errp, "coherent-memory region size 0x%" PRIx64 " is not "
                   "a non-zero multiple of the host page size (0x%zx)",
                   nv->coherent_size, qemu_real_host_page_size());
        return false;
    }
    if (!vfio_pci_nvgrace_check_mmap_areas(nv, errp) ||
        !vfio_pci_nvgrace_check_kvm(errp)) {
        return false;
    }

    prot |= nv->coherent_flags & VFIO_REGION_INFO_FLAG_READ ? PROT_READ : 0;
    prot |= nv->coherent_flags & VFIO_REGION_INFO_FLAG_WRITE ? PROT_WRITE : 0;
    nv->coherent_map = vfio_region_mmap_aligned(vbasedev, nv->coherent_index,
                                                nv->coherent_offset,
                                                nv->coherent_size,
                                                vfio_pci_nvgrace_align(nv),
                                                prot);
    if (nv->coherent_map == MAP_FAILED) {
        nv->coherent_map = NULL;
        error_setg_errno(errp, errno, "cannot mmap coherent-memory region %u "
                         "(0x%" PRIx64 " bytes)", nv->coherent_index,
                         nv->coherent_size);
        return false;
    }

    /*
     * Plain RAM over the host mapping: the guest accesses it at RAM speed
     * and QEMU's own DMA reaches it directly.  Nothing is touched here, so
     * start-up does not depend on the size.
     */
    name = g_strdup_printf("%s coherent-mem", vbasedev->name);
    memory_region_init_ram_ptr(&nv->coherent_mem, OBJECT(nv), name,
                               nv->coherent_size, nv->coherent_map);
    /* A RAMBlock name unique to this device ("info ramblock"). */
    vmstate_register_ram(&nv->coherent_mem, DEVICE(nv));
    /* What memory-device requires: a power of two that divides the size. */
    nv->coherent_mem.align = MIN(1ULL << ctz64(nv->coherent_size),
                                 NVGRACE_MAX_ALIGN);
    return true;
}

/*
 * Other devices DMA into the memory like into any guest RAM.  iommufd
 * maps it only through a dma-buf: the mmap is a PFNMAP.  A host that
 * exports none fails the realize only where a container needs one, once
 * the memory is plugged.
 */
static void vfio_pci_nvgrace_export_dmabuf(VFIOPCINvgrace *nv)
{
    vfio_device_export_ram_dmabuf(&nv->parent_obj.vbasedev,
                                  &nv->coherent_mem, nv->coherent_index,
                                  &nv->dmabuf_error);
}

static bool vfio_pci_nvgrace_check_dma(VFIOPCINvgrace *nv, Error **errp)
{
    if (vfio_device_ram_dma_mapped(&nv->parent_obj.vbasedev, errp)) {
        return true;
    }
    error_prepend(errp, "other devices cannot DMA into the GPU memory: ");
    if (nv->parent_obj.vbasedev.iommufd && nv->dmabuf_error) {
        error_append_hint(errp, "iommufd maps it only through a dma-buf, "
                          "and the %s.\n", error_get_pretty(nv->dmabuf_error));
        error_append_hint(errp, "That needs Linux 6.19 or later, and "
                          "nvgrace-gpu with the coherent-memory region; "
                          "else use the legacy VFIO container (no "
                          "iommufd).\n");
    }
    return false;
}

/*
 * Once unplugged the guest no longer sees the memory, but RCU readers and
 * address_space_map() users may still reach it: the region dies with the
 * device and the mapping goes in instance_finalize (docs/devel/memory.rst,
 * "Region lifecycle").
 */
static void vfio_pci_nvgrace_release_coherent_mem(VFIOPCINvgrace *nv)
{
    if (!nv->coherent_map) {
        return;
    }
    vfio_device_release_ram_dmabufs(&nv->parent_obj.vbasedev);
    error_free(nv->dmabuf_error);
    nv->dmabuf_error = NULL;
    vmstate_unregister_ram(&nv->coherent_mem, DEVICE(nv));
}

/*
 * What memory_device_pre_plug() and memory_device_plug() do in the pre_plug
 * and plug of other memory devices, both at plug time: the region's size is
 * known only once vfio-pci has realized.
 */
static bool vfio_pci_nvgrace_plug_memory(VFIOPCINvgrace *nv, MachineState *ms,
                                         Error **errp)
{
    ERRP_GUARD();
    MemoryDeviceState *md = MEMORY_DEVICE(nv);
    uint64_t user_memaddr = nv->memaddr;
    uint64_t total, need;
    Error *local_err = NULL;

    if (!ms->device_memory) {
        error_setg(errp, "the machine has no device memory for the GPU's "
                   "coherent memory");
        error_append_hint(errp, "Start QEMU with -m SIZE,maxmem=MAXSIZE, "
                          "where MAXSIZE is at least SIZE + %" PRIu64 "M.\n",
                          DIV_ROUND_UP(nv->coherent_size, MiB));
        return false;
    }

    /*
     * What memory_device_pre_plug() allows, said with the maxmem that
     * would do: the window itself is larger by 'slots' GiB.
     */
    total = ms->maxram_size - ms->ram_size;
    need = ms->device_memory->used_region_size + nv->coherent_size;
    if (need > total) {
        error_setg(errp, "0x%" PRIx64 " bytes of coherent memory do not fit "
                   "in the machine's device memory (0x%" PRIx64 " of 0x%"
                   PRIx64 " bytes free)", nv->coherent_size,
                   total - ms->device_memory->used_region_size, total);
        error_append_hint(errp, "Raise maxmem to at least %" PRIu64 "M.\n",
                          DIV_ROUND_UP(ms->ram_size + need, MiB));
        return false;
    }

    memory_device_pre_plug(md, ms, &local_err);
    if (local_err) {
        if (user_memaddr) {
            error_propagate_prepend(errp, local_err,
                                    "'" VFIO_PCI_NVGRACE_PROP_MEMADDR "' 0x%"
                                    PRIx64 ": ", user_memaddr);
        } else {
            error_propagate(errp, local_err);
        }
        return false;
    }
    memory_device_plug(md, ms);
    nv->plugged = true;
    trace_vfio_pci_nvgrace_plug(nv->parent_obj.vbasedev.name, nv->memaddr,
                                nv->coherent_size);
    return true;
}

static void vfio_pci_nvgrace_unplug(VFIOPCINvgrace *nv)
{
    if (!nv->plugged) {
        return;
    }
    memory_device_unplug(MEMORY_DEVICE(nv), MACHINE(qdev_get_machine()));
    nv->plugged = false;
}

void vfio_pci_nvgrace_pre_plug(DeviceState *dev, MachineState *ms,
                               Error **errp)
{
    HotplugHandler *bus_handler = qdev_get_bus_hotplug_handler(dev);

    if (bus_handler) {
        hotplug_handler_pre_plug(bus_handler, dev, errp);
    }
}

void vfio_pci_nvgrace_plug(DeviceState *dev, MachineState *ms, Error **errp)
{
    ERRP_GUARD();
    VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(dev);
    HotplugHandler *bus_handler = qdev_get_bus_hotplug_handler(dev);

    if (vfio_pci_nvgrace_plug_memory(nv, ms, errp) &&
        vfio_pci_nvgrace_check_dma(nv, errp)) {
        if (bus_handler) {
            hotplug_handler_plug(bus_handler, dev, errp);
        }
        if (!*errp) {
            return;
        }
    }
    /* qdev unrealizes the device next. */
    vfio_pci_nvgrace_unplug(nv);
    error_prepend(errp, VFIO_MSG_PREFIX, nv->parent_obj.vbasedev.name);
}

static void vfio_pci_nvgrace_cleanup(VFIOPCINvgrace *nv)
{
    migrate_del_blocker(&nv->migration_blocker);
    vfio_pci_nvgrace_unplug(nv);
    vfio_pci_nvgrace_release_coherent_mem(nv);
}

/*
 * For the HMAT, which then lists the nodes as initiators and a target.
 * -numa hmat-lb is checked before devices exist, so it can name a GPU node
 * as its initiator only when acpi-generic-initiator objects declare it.
 */
static void vfio_pci_nvgrace_claim_nodes(VFIOPCINvgrace *nv)
{
    NumaState *numa = MACHINE(qdev_get_machine())->numa_state;
    uint32_t n;

    numa->nodes[nv->node].has_device_mem = true;
    for (n = nv->node; n < nv->node + nv->node_count; n++) {
        numa->nodes[n].has_gi = true;
    }
}

/*
 * On the BAR, Linux 6.19+ maps the memory only while the GPU's memory
 * decode is on and it is in D0, and unmaps it when either changes: the
 * guest's RAM must not depend on the guest's (or vfio-pci's own reset's)
 * COMMAND and power-state writes.  Hold both on the host; the guest keeps
 * its own view of them.
 */
static bool vfio_pci_nvgrace_hold_decode(VFIOPCINvgrace *nv, Error **errp)
{
    VFIOPCIDevice *vdev = &nv->parent_obj;
    PCIDevice *pdev = PCI_DEVICE(nv);

    if (nv->coherent_source != VFIO_PCI_NVGRACE_MEMORY_SOURCE_BAR) {
        return true;
    }
    if (!vfio_pci_hold_host_config(vdev, PCI_COMMAND, PCI_COMMAND_MEMORY,
                                   PCI_COMMAND_MEMORY, 2, errp)) {
        return false;
    }
    return !pdev->pm_cap ||
           vfio_pci_hold_host_config(vdev, pdev->pm_cap + PCI_PM_CTRL,
                                     PCI_PM_CTRL_STATE_MASK, 0, 2, errp);
}

/*
 * The name vfio-pci's realize will give the device, for the errors raised
 * before it runs: the host address, else what the user named it by.
 */
static char *vfio_pci_nvgrace_early_name(VFIOPCINvgrace *nv)
{
    VFIOPCIDevice *vdev = &nv->parent_obj;
    PCIHostDeviceAddress *host = &vdev->host;

    if (vdev->vbasedev.sysfsdev) {
        return g_path_get_basename(vdev->vbasedev.sysfsdev);
    }
    if (~host->domain || ~host->bus || ~host->slot || ~host->function) {
        return g_strdup_printf("%04x:%02x:%02x.%01x", host->domain,
                               host->bus, host->slot, host->function);
    }
    return g_strdup(DEVICE(nv)->id ?: TYPE_VFIO_PCI_NVGRACE);
}

static void vfio_pci_nvgrace_realize(PCIDevice *pdev, Error **errp)
{
    ERRP_GUARD();
    VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(pdev);
    VFIOPCINvgraceClass *nvc = VFIO_PCI_NVGRACE_GET_CLASS(nv);
    VFIODevice *vbasedev = &nv->parent_obj.vbasedev;

    if (!vfio_pci_nvgrace_check_machine(nv, errp) ||
        !vfio_pci_nvgrace_take_generic_initiators(nv, errp) ||
        !vfio_pci_nvgrace_check_nodes(nv, errp)) {
        g_autofree char *name = vfio_pci_nvgrace_early_name(nv);

        error_prepend(errp, VFIO_MSG_PREFIX, name);
        return;
    }

    nvc->parent_realize(pdev, errp);
    if (*errp) {
        return;
    }

    if (!vfio_pci_nvgrace_hold_decode(nv, errp) ||
        !vfio_pci_nvgrace_map_coherent_mem(nv, errp)) {
        goto fail;
    }
    /* The machine's hotplug handler plugs the memory next. */
    vfio_pci_nvgrace_export_dmabuf(nv);

    error_setg(&nv->migration_blocker, VFIO_MSG_PREFIX "migration of the "
               "GPU's coherent memory is not supported", vbasedev->name);
    if (migrate_add_blocker(&nv->migration_blocker, errp) < 0) {
        goto fail;
    }

    vfio_pci_nvgrace_claim_nodes(nv);
    if (pdev->devfn) {
        warn_report("%s %s at %02x.%x: NVIDIA's guest driver reads the "
                    "Generic Initiator entries only for a GPU at device 0 "
                    "function 0 (behind a pcie-root-port); here it falls "
                    "back to _DSD nvidia,gpu-mem-pxm-start/count",
                    TYPE_VFIO_PCI_NVGRACE,
                    vbasedev->name, PCI_SLOT(pdev->devfn),
                    PCI_FUNC(pdev->devfn));
    }
    return;

fail:
    error_prepend(errp, VFIO_MSG_PREFIX, vbasedev->name);
    vfio_pci_nvgrace_cleanup(nv);
    nvc->parent_exit(pdev);
}

static void vfio_pci_nvgrace_exit(PCIDevice *pdev)
{
    VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(pdev);

    vfio_pci_nvgrace_cleanup(nv);
    VFIO_PCI_NVGRACE_GET_CLASS(nv)->parent_exit(pdev);
}

static uint64_t vfio_pci_nvgrace_md_get_addr(const MemoryDeviceState *md)
{
    return VFIO_PCI_NVGRACE(md)->memaddr;
}

static void vfio_pci_nvgrace_md_set_addr(MemoryDeviceState *md, uint64_t addr,
                                         Error **errp)
{
    object_property_set_uint(OBJECT(md), VFIO_PCI_NVGRACE_PROP_MEMADDR, addr,
                             errp);
}

static MemoryRegion *vfio_pci_nvgrace_md_get_memory_region(
    MemoryDeviceState *md, Error **errp)
{
    VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(md);

    if (!nv->coherent_map) {
        error_setg(errp, "coherent memory is not mapped");
        return NULL;
    }
    return &nv->coherent_mem;
}

static uint64_t vfio_pci_nvgrace_md_get_plugged_size(
    const MemoryDeviceState *md, Error **errp)
{
    return VFIO_PCI_NVGRACE(md)->coherent_size;
}

static uint64_t vfio_pci_nvgrace_md_get_min_alignment(
    const MemoryDeviceState *md)
{
    return vfio_pci_nvgrace_placement_align(VFIO_PCI_NVGRACE(md));
}

static void vfio_pci_nvgrace_md_fill_device_info(const MemoryDeviceState *md,
                                                 MemoryDeviceInfo *info)
{
    VfioPciNvgraceDeviceInfo *vi = g_new0(VfioPciNvgraceDeviceInfo, 1);
    const VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(md);
    const DeviceState *dev = DEVICE(md);

    vi->id = g_strdup(dev->id);
    vi->host = g_strdup(nv->parent_obj.vbasedev.name);
    vi->memaddr = nv->memaddr;
    vi->size = nv->coherent_size;
    vi->node = nv->node;
    vi->node_count = nv->node_count;
    vi->online = nv->online;
    vi->memory_source = nv->coherent_source;

    info->u.vfio_pci_nvgrace.data = vi;
    info->type = MEMORY_DEVICE_INFO_KIND_VFIO_PCI_NVGRACE;
}

static void vfio_pci_nvgrace_get_size(Object *obj, Visitor *v,
                                      const char *name, void *opaque,
                                      Error **errp)
{
    visit_type_uint64(v, name, &VFIO_PCI_NVGRACE(obj)->coherent_size, errp);
}

/*
 * Guest ABI: the device properties (_DSD, UUID daffd814-...) that bare-metal
 * Grace firmware puts on the GPU's PCI device node and that NVIDIA's driver
 * reads to find the memory and its NUMA nodes.
 */
static void vfio_pci_nvgrace_append_dsd_prop(Aml *props, const char *name,
                                             uint64_t value)
{
    Aml *prop = aml_package(2);

    aml_append(prop, aml_string("%s", name));
    aml_append(prop, aml_int(value));
    aml_append(props, prop);
}

static void vfio_pci_nvgrace_build_aml(AcpiDevAmlIf *adev, Aml *scope)
{
    VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(adev);
    Aml *props = aml_package(4);
    Aml *dsd = aml_package(2);

    trace_vfio_pci_nvgrace_build_dsd(nv->parent_obj.vbasedev.name,
                                     nv->memaddr, nv->coherent_size,
                                     nv->node, nv->node_count);
    vfio_pci_nvgrace_append_dsd_prop(props, "nvidia,gpu-mem-base-pa",
                                     nv->memaddr);
    vfio_pci_nvgrace_append_dsd_prop(props, "nvidia,gpu-mem-size",
                                     nv->coherent_size);
    vfio_pci_nvgrace_append_dsd_prop(props, "nvidia,gpu-mem-pxm-start",
                                     nv->node);
    vfio_pci_nvgrace_append_dsd_prop(props, "nvidia,gpu-mem-pxm-count",
                                     nv->node_count);
    aml_append(dsd, aml_touuid("DAFFD814-6EBA-4D8C-8A91-BC9BBF4AA301"));
    aml_append(dsd, props);
    aml_append(scope, aml_name_decl("_DSD", dsd));
}

static const PropertyInfo vfio_pci_nvgrace_prop_online = {
    .type = "VfioPciNvgraceOnline",
    .enum_table = &VfioPciNvgraceOnline_lookup,
    .get = qdev_propinfo_get_enum,
    .set = qdev_propinfo_set_enum,
    .set_default_value = qdev_propinfo_set_default_value_enum,
};

static const PropertyInfo vfio_pci_nvgrace_prop_memory_source = {
    .type = "VfioPciNvgraceMemorySource",
    .enum_table = &VfioPciNvgraceMemorySource_lookup,
    .get = qdev_propinfo_get_enum,
    .set = qdev_propinfo_set_enum,
    .set_default_value = qdev_propinfo_set_default_value_enum,
};

static const Property vfio_pci_nvgrace_properties[] = {
    DEFINE_PROP_UINT64(VFIO_PCI_NVGRACE_PROP_MEMADDR, VFIOPCINvgrace, memaddr,
                       0),
    DEFINE_PROP_UINT32(VFIO_PCI_NVGRACE_PROP_NODE, VFIOPCINvgrace, node,
                       NVGRACE_NODE_UNSET),
    DEFINE_PROP_UINT32(VFIO_PCI_NVGRACE_PROP_NODE_COUNT, VFIOPCINvgrace,
                       node_count, VFIO_PCI_NVGRACE_DEFAULT_NODE_COUNT),
    DEFINE_PROP_SIGNED(VFIO_PCI_NVGRACE_PROP_ONLINE, VFIOPCINvgrace, online,
                       VFIO_PCI_NVGRACE_ONLINE_DRIVER_MANAGED,
                       vfio_pci_nvgrace_prop_online, int),
    DEFINE_PROP_SIGNED(VFIO_PCI_NVGRACE_PROP_MEMORY_SOURCE, VFIOPCINvgrace,
                       memory_source, VFIO_PCI_NVGRACE_MEMORY_SOURCE_AUTO,
                       vfio_pci_nvgrace_prop_memory_source, int),
};

static void vfio_pci_nvgrace_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pdc = PCI_DEVICE_CLASS(klass);
    VFIOPCIDeviceClass *vc = VFIO_PCI_DEVICE_CLASS(klass);
    VFIOPCINvgraceClass *nvc = VFIO_PCI_NVGRACE_CLASS(klass);
    MemoryDeviceClass *mdc = MEMORY_DEVICE_CLASS(klass);
    AcpiDevAmlIfClass *adevc = ACPI_DEV_AML_IF_CLASS(klass);

    dc->desc = "VFIO NVIDIA Grace GPU with coherent memory as guest RAM";
    /* The guest can only take this memory at boot. */
    dc->hotpluggable = false;

    nvc->parent_realize = pdc->realize;
    nvc->parent_exit = pdc->exit;
    pdc->realize = vfio_pci_nvgrace_realize;
    pdc->exit = vfio_pci_nvgrace_exit;
    vc->probe_regions = vfio_pci_nvgrace_probe_regions;

    device_class_set_props(dc, vfio_pci_nvgrace_properties);
    object_class_property_set_description(klass, VFIO_PCI_NVGRACE_PROP_MEMADDR,
        "Guest physical address of the coherent memory in device memory "
        "(0: chosen by the machine)");
    object_class_property_add(klass, VFIO_PCI_NVGRACE_PROP_SIZE, "uint64",
                              vfio_pci_nvgrace_get_size, NULL, NULL, NULL);
    object_class_property_set_description(klass, VFIO_PCI_NVGRACE_PROP_SIZE,
        "Size of the coherent memory in bytes, as the host offers it "
        "(read-only)");
    object_class_property_set_description(klass, VFIO_PCI_NVGRACE_PROP_NODE,
        "First of the GPU's memory-only NUMA nodes (required); the memory "
        "belongs to it");
    object_class_property_set_description(klass,
        VFIO_PCI_NVGRACE_PROP_NODE_COUNT,
        "Number of NUMA nodes the GPU owns, one per MIG instance");
    object_class_property_set_description(klass, VFIO_PCI_NVGRACE_PROP_ONLINE,
        "Who onlines the memory in the guest: driver-managed (the GPU "
        "driver, as on bare metal) or boot");
    object_class_property_set_description(klass,
        VFIO_PCI_NVGRACE_PROP_MEMORY_SOURCE,
        "Where the host offers the GPU memory: auto (the device-specific "
        "region if there is one, else nvgrace-gpu's BAR4), region or bar");

    mdc->get_addr = vfio_pci_nvgrace_md_get_addr;
    mdc->set_addr = vfio_pci_nvgrace_md_set_addr;
    mdc->get_plugged_size = vfio_pci_nvgrace_md_get_plugged_size;
    mdc->get_memory_region = vfio_pci_nvgrace_md_get_memory_region;
    mdc->get_min_alignment = vfio_pci_nvgrace_md_get_min_alignment;
    mdc->fill_device_info = vfio_pci_nvgrace_md_fill_device_info;
    adevc->build_dev_aml = vfio_pci_nvgrace_build_aml;
}

/* After the region, a child of the device, is gone. */
static void vfio_pci_nvgrace_instance_finalize(Object *obj)
{
    VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(obj);

    if (nv->coherent_map) {
        munmap(nv->coherent_map, nv->coherent_size);
    }
}

static const TypeInfo vfio_pci_nvgrace_info = {
    .name = TYPE_VFIO_PCI_NVGRACE,
    .parent = TYPE_VFIO_PCI,
    .instance_size = sizeof(VFIOPCINvgrace),
    .instance_finalize = vfio_pci_nvgrace_instance_finalize,
    .class_size = sizeof(VFIOPCINvgraceClass),
    .class_init = vfio_pci_nvgrace_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_MEMORY_DEVICE },
        { TYPE_ACPI_DEV_AML_IF },
        { }
    },
};

static void vfio_pci_nvgrace_register_types(void)
{
    type_register_static(&vfio_pci_nvgrace_info);
}

type_init(vfio_pci_nvgrace_register_types)
