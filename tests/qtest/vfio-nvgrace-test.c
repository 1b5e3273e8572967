/*
 * QTest for vfio-pci-nvgrace
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The device on an emulated or a real host (see vfio-nvgrace-host.h):
 * realize, placement, data between guest and host, and the configurations
 * QEMU must refuse.  Without a host the tests are skipped.
 */

#include "qemu/osdep.h"
#include <sys/prctl.h>
#include "qemu/host-utils.h"
#include "qemu/units.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "hw/pci/pci_ids.h"
#include "standard-headers/linux/pci_regs.h"
#include "standard-headers/linux/virtio_config.h"
#include "standard-headers/linux/virtio_iommu.h"
#include "libqos/generic-pcihost.h"
#include "libqos/virtio-pci.h"
#include "vfio-nvgrace-host.h"

/* The single vfio-pci-nvgrace entry of query-memory-devices. */
static QDict *query_coherent_mem(QTestState *qts)
{
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-memory-devices' }");
    QList *list = qdict_get_qlist(resp, "return");
    QDict *dev, *data;

    g_assert_cmpint(qlist_size(list), ==, 1);
    dev = qobject_to(QDict, qlist_peek(list));
    g_assert_cmpstr(qdict_get_str(dev, "type"), ==, "vfio-pci-coherent");
    data = qdict_get_qdict(dev, "data");
    qobject_ref(data);
    qobject_unref(resp);
    return data;
}

/* The word at @offset of the emulated host's GPU memory, read on the host */
static uint64_t backing_word(GpuHost *h, uint64_t offset)
{
    uint64_t v;
    int fd = open(h->backing, O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, &v, sizeof(v), offset), ==, sizeof(v));
    close(fd);
    return v;
}

static void test_realize_and_report(void)
{
    g_autofree char *numa = NULL;
    g_autofree char *ramblock = NULL;
    g_autofree char *ramblock_name = NULL;
    GpuHost h;
    QTestState *qts;
    QDict *data;

    if (!host_init(&h, "mem=1G")) {
        return;
    }
    qts = host_qtest_start(&h, ONE_GPU_MACHINE "-m 1G,maxmem=4G "
                           GPU_DEVICE ",id=gpu0");
    data = query_coherent_mem(qts);
    g_assert_cmpstr(qdict_get_str(data, "id"), ==, "gpu0");
    g_assert_cmpstr(qdict_get_str(data, "host"), ==, host_gpu(&h));
    g_assert_cmpuint(qdict_get_uint(data, "size"), ==, 1 * GiB);
    g_assert_cmpuint(qdict_get_uint(data, "memaddr"), ==,
                     VIRT_DEVICE_MEMORY_BASE(1 * GiB));
    g_assert_cmpint(qdict_get_int(data, "node"), ==, 1);
    g_assert_cmpint(qdict_get_int(data, "node-count"), ==, 8);
    g_assert_cmpstr(qdict_get_str(data, "online"), ==, "driver-managed");
    qobject_unref(data);

    /* The memory counts as node 1's. */
    numa = qtest_hmp(qts, "info numa");
    g_assert_nonnull(strstr(numa, "node 1 size: 1024 MB"));
    g_assert_nonnull(strstr(numa, "node 1 plugged: 1024 MB"));
    g_assert_nonnull(strstr(numa, "node 2 size: 0 MB"));

    /* Its RAMBlock is named after the device's place on the bus. */
    ramblock = qtest_hmp(qts, "info ramblock");
    ramblock_name = g_strdup_printf("/%s coherent-mem ", host_gpu(&h));
    g_assert_nonnull(strstr(ramblock, ramblock_name));
    qtest_quit(qts);
    host_cleanup(&h);
}

static void test_data_reaches_host(void)
{
    const uint64_t offsets[] = { 0, 4 * KiB + 8, 512 * MiB, 1 * GiB - 8 };
    GpuHost h;
    QTestState *qts;
    QDict *data;
    uint64_t base, v;
    int fd, i;

    if (!host_init(&h, "mem=1G")) {
        return;
    }
    qts = host_qtest_start(&h, ONE_GPU_MACHINE "-m 1G,maxmem=4G "
                           GPU_DEVICE);
    data = query_coherent_mem(qts);
    base = qdict_get_uint(data, "memaddr");
    qobject_unref(data);
    for (i = 0; i < ARRAY_SIZE(offsets); i++) {
        qtest_writeq(qts, base + offsets[i], 0x6e76677261636500ULL + i);
    }
    for (i = 0; i < ARRAY_SIZE(offsets); i++) {
        g_assert_cmphex(qtest_readq(qts, base + offsets[i]), ==,
                        0x6e76677261636500ULL + i);
    }
    if (host_is_emulated(&h, "the host's side of the memory")) {
        fd = open(h.backing, O_RDWR);
        g_assert_cmpint(fd, >=, 0);

        /* Guest stores land in the host's memory ... */
        for (i = 0; i < ARRAY_SIZE(offsets); i++) {
            g_assert_cmpint(pread(fd, &v, sizeof(v), offsets[i]), ==,
                            sizeof(v));
            g_assert_cmphex(v, ==, 0x6e76677261636500ULL + i);
        }

        /* ... and host stores are what the guest loads: no copy. */
        for (i = 0; i < ARRAY_SIZE(offsets); i++) {
            v = 0xc0ffee0000000000ULL + i;
            g_assert_cmpint(pwrite(fd, &v, sizeof(v), offsets[i]), ==,
                            sizeof(v));
        }
        for (i = 0; i < ARRAY_SIZE(offsets); i++) {
            g_assert_cmphex(qtest_readq(qts, base + offsets[i]), ==,
                            0xc0ffee0000000000ULL + i);
        }
        close(fd);
    }
    qtest_quit(qts);
    host_cleanup(&h);
}

/*
 * Device DMA sees the GPU memory where the guest does: the host IOMMU maps
 * all of it, in one mapping, at the guest physical address QEMU gave it,
 * and still does after a system reset.
 */
static void test_dma_mapped_at_guest_address(void)
{
    GpuHost h;
    QTestState *qts;
    QDict *data;
    uint64_t base, size;
    int i;

    if (!host_init_emulated(&h, "mem=2G",
                            "reads the host's IOMMU mappings")) {
        return;
    }
    qts = host_qtest_start(&h, ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE);
    data = query_coherent_mem(qts);
    base = qdict_get_uint(data, "memaddr");
    size = qdict_get_uint(data, "size");
    qobject_unref(data);
    for (i = 0; i < 2; i++) {
        g_assert_cmpuint(host_stat(&h, GPU_HOST ".live_coherent_dma_maps"),
                         ==, 1);
        g_assert_cmphex(host_stat(&h, GPU_HOST ".coherent_dma_iova"), ==,
                        base);
        g_assert_cmphex(host_stat(&h, GPU_HOST ".live_coherent_dma_bytes"),
                        ==, size);
        qtest_system_reset(qts);
    }
    qtest_quit(qts);
    host_cleanup(&h);
}

static void test_memaddr(void)
{
    const uint64_t memaddr = VIRT_DEVICE_MEMORY_BASE(1 * GiB) + 2 * GiB;
    g_autofree char *args = g_strdup_printf(
        ONE_GPU_MACHINE "-m 1G,maxmem=8G "
        GPU_DEVICE ",online=boot,node-count=2,memaddr=0x%" PRIx64,
        memaddr);
    GpuHost h;
    QTestState *qts;
    QDict *data;

    if (!host_init(&h, "mem=1G")) {
        return;
    }
    qts = host_qtest_start(&h, args);
    data = query_coherent_mem(qts);
    g_assert_cmphex(qdict_get_uint(data, "memaddr"), ==, memaddr);
    g_assert_cmpint(qdict_get_int(data, "node-count"), ==, 2);
    g_assert_cmpstr(qdict_get_str(data, "online"), ==, "boot");
    qobject_unref(data);
    qtest_writeq(qts, memaddr, 0x1234);
    g_assert_cmphex(qtest_readq(qts, memaddr), ==, 0x1234);
    qtest_quit(qts);
    host_cleanup(&h);
}

/* The BARs the guest sees on the GPU, as query-pci lists them. */
static void gpu_bars(QTestState *qts, uint64_t *bar_size)
{
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-pci' }");
    QList *buses = qdict_get_qlist(resp, "return");
    QListEntry *b, *d, *r;
    int found = 0;

    memset(bar_size, 0, 6 * sizeof(*bar_size));
    QLIST_FOREACH_ENTRY(buses, b) {
        QList *devs = qdict_get_qlist(qobject_to(QDict, b->value), "devices");

        QLIST_FOREACH_ENTRY(devs, d) {
            QDict *dev = qobject_to(QDict, d->value);

            if (qdict_get_int(qdict_get_qdict(dev, "id"), "vendor") !=
                0x10de) {
                continue;
            }
            found++;
            QLIST_FOREACH_ENTRY(qdict_get_qlist(dev, "regions"), r) {
                QDict *reg = qobject_to(QDict, r->value);

                bar_size[qdict_get_int(reg, "bar")] =
                    qdict_get_uint(reg, "size");
            }
        }
    }
    g_assert_cmpint(found, ==, 1);
    qobject_unref(resp);
}

/*
 * Today's upstream nvgrace-gpu driver: the memory is BAR4's sparse-mmap
 * area.  It becomes guest RAM like the region; the guest gets no BAR4, and
 * on GH200 it keeps resmem as BAR2.  GH200 with 2 GiB: 1 GiB of usemem,
 * 1 GiB of resmem.  GB200: all of it usemem, no resmem, and its size need
 * not be a multiple of 512 MiB (1666 MiB here); BAR2 is its real BAR1,
 * which the host passes through and so does QEMU.
 */
static void test_upstream_bar(const void *opaque)
{
    const bool gb200 = !strcmp(opaque, "gb200");
    const uint64_t usemem = gb200 ? 1666 * MiB : 1 * GiB;
    g_autofree char *host = g_strdup_printf("abi=bar,mem=%s,model=%s",
                                            gb200 ? "1666M,bar1=256M" : "2G",
                                            (const char *)opaque);
    uint64_t bars[6], base, v;
    GpuHost h;
    QTestState *qts;
    QDict *data;
    int fd;

    if (!host_init(&h, host)) {
        return;
    }
    qts = host_qtest_start(&h, ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE);
    data = query_coherent_mem(qts);
    g_assert_cmpstr(qdict_get_str(data, "memory-source"), ==, "bar");
    g_assert_cmpuint(qdict_get_uint(data, "size"), ==, usemem);
    base = qdict_get_uint(data, "memaddr");
    qobject_unref(data);

    gpu_bars(qts, bars);
    g_assert_cmpuint(bars[0], ==, 16 * MiB);
    /* GH200: resmem; GB200: its real BAR1, passed through */
    g_assert_cmpuint(bars[2], ==, gb200 ? 256 * MiB : 1 * GiB);
    g_assert_cmpuint(bars[4], ==, 0);

    qtest_writeq(qts, base + usemem - 8, 0x7573656d656d0001ULL);
    g_assert_cmphex(qtest_readq(qts, base + usemem - 8), ==,
                    0x7573656d656d0001ULL);
    if (host_is_emulated(&h, "the host's side of the memory")) {
        /* The same memory on both sides, from the start of usemem. */
        fd = open(h.backing, O_RDWR);
        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(pread(fd, &v, 8, usemem - 8), ==, 8);
        g_assert_cmphex(v, ==, 0x7573656d656d0001ULL);
        v = 0x7573656d656d0002ULL;
        g_assert_cmpint(pwrite(fd, &v, 8, 0), ==, 8);
        g_assert_cmphex(qtest_readq(qts, base), ==, v);
        close(fd);
        g_assert_cmpuint(host_stat(&h, GPU_HOST ".coherent_dma_maps"), ==, 1);
        g_assert_cmphex(host_stat(&h, GPU_HOST ".coherent_dma_iova"), ==,
                        base);
    }
    qtest_quit(qts);
    host_cleanup(&h);
}

/* virt's PCIe configuration space (ECAM), above 256 GiB */
#define VIRT_HIGH_PCIE_ECAM 0x4010000000ULL

/* The devfn on pcie.0 of the one device of @vendor, from query-pci. */
static int devfn_of(QTestState *qts, int vendor)
{
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-pci' }");
    QList *buses = qdict_get_qlist(resp, "return");
    QList *devs = qdict_get_qlist(qobject_to(QDict, qlist_peek(buses)),
                                  "devices");
    QListEntry *d;
    int devfn = -1;

    QLIST_FOREACH_ENTRY(devs, d) {
        QDict *dev = qobject_to(QDict, d->value);

        if (qdict_get_int(qdict_get_qdict(dev, "id"), "vendor") == vendor) {
            devfn = qdict_get_int(dev, "slot") << 3 |
                    qdict_get_int(dev, "function");
        }
    }
    qobject_unref(resp);
    g_assert_cmpint(devfn, >=, 0);
    return devfn;
}

static int gpu_devfn(QTestState *qts)
{
    return devfn_of(qts, PCI_VENDOR_ID_NVIDIA);
}

/*
 * The iommufd backend: iommufd maps the memory for other devices' DMA only
 * through a dma-buf of its region, the coherent-memory region or BAR4
 * where the host can export it, and a reset revokes that mapping, so the
 * device maps it again after each.  On BAR4, the guest's decode-off does
 * not reach the host, so it revokes nothing.
 */
static void test_iommufd(const void *opaque)
{
    g_autofree char *host = g_strdup_printf("mem=2G%s",
                                            (const char *)opaque);
    const uint64_t pattern = 0x696f6d6d75666401ULL;
    uint64_t base, size, command, maps;
    GpuHost h;
    QTestState *qts;
    QDict *data;
    int i;

    if (!host_init_emulated(&h, host, "reads the host's IOMMU mappings")) {
        return;
    }
    qts = host_qtest_start(&h, ONE_GPU_MACHINE "-m 1G,maxmem=4G "
                           "-object iommufd,id=iommufd0 "
                           GPU_DEVICE ",iommufd=iommufd0");
    data = query_coherent_mem(qts);
    base = qdict_get_uint(data, "memaddr");
    size = qdict_get_uint(data, "size");
    qobject_unref(data);
    command = VIRT_HIGH_PCIE_ECAM + (gpu_devfn(qts) << 12) + PCI_COMMAND;

    qtest_writeq(qts, base, pattern);
    maps = host_stat(&h, GPU_HOST ".coherent_dma_maps");
    for (i = 0; i < 3; i++) {
        qtest_writew(qts, command, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
        qtest_writew(qts, command, 0);
        g_assert_cmpuint(host_stat(&h, GPU_HOST ".live_coherent_dma_maps"),
                         ==, 1);
        g_assert_cmphex(host_stat(&h, GPU_HOST ".coherent_dma_iova"), ==,
                        base);
        g_assert_cmphex(host_stat(&h, GPU_HOST ".live_coherent_dma_bytes"),
                        ==, size);
        g_assert_cmphex(qtest_readq(qts, base), ==, pattern);
        qtest_system_reset(qts);
    }
    /* Mapped again after each of the three resets. */
    g_assert_cmpuint(host_stat(&h, GPU_HOST ".coherent_dma_maps"), ==,
                     maps + 3);
    g_assert_cmpuint(host_stat(&h, GPU_HOST ".live_coherent_dma_maps"), ==, 1);
    qtest_quit(qts);
    host_cleanup(&h);
}

/* PCI_PM_CTRL's power states, not in the uapi header */
#define PM_D0       0
#define PM_D3HOT    3

/* The offset of capability @id in the config space at @cfg. */
static uint8_t find_cap(QTestState *qts, uint64_t cfg, uint8_t id)
{
    uint8_t pos = qtest_readb(qts, cfg + PCI_CAPABILITY_LIST);
    int n;

    for (n = 0; pos && n < 48; n++) {
        if (qtest_readb(qts, cfg + pos) == id) {
            return pos;
        }
        pos = qtest_readb(qts, cfg + pos + PCI_CAP_LIST_NEXT);
    }
    g_assert_not_reached();
}

/* A guest's driver of virtio-iommu-pci, on the virt machine's pcie.0 */
typedef struct GuestViommu {
    QTestState *qts;
    QGuestAllocator alloc;
    QGenericPCIBus bus;
    QVirtioPCIDevice *dev;
    QVirtQueue *vq;
} GuestViommu;

#define VIOMMU_TIMEOUT_US (30 * G_USEC_PER_SEC)
#define VIRTIO_PCI_VENDOR 0x1af4

static void viommu_init(GuestViommu *v, QTestState *qts)
{
    QPCIAddress addr = { .devfn = devfn_of(qts, VIRTIO_PCI_VENDOR) };

    v->qts = qts;
    alloc_init(&v->alloc, 0, VIRT_RAM_BASE, VIRT_RAM_BASE + 1 * GiB, 4096);
    qpci_init_generic(&v->bus, qts, &v->alloc, false);
    v->dev = virtio_pci_new(&v->bus.bus, &addr);
    g_assert(v->dev);
    qvirtio_pci_device_enable(v->dev);
    qvirtio_start_device(&v->dev->vdev);
    qvirtio_set_features(&v->dev->vdev,
                         qvirtio_get_features(&v->dev->vdev) &
                         (1ULL << VIRTIO_F_VERSION_1 |
                          1ULL << VIRTIO_IOMMU_F_MAP_UNMAP));
    v->vq = qvirtqueue_setup(&v->dev->vdev, &v->alloc, 0);
    qvirtio_set_driver_ok(&v->dev->vdev);
}

static void viommu_cleanup(GuestViommu *v)
{
    qvirtqueue_cleanup(v->dev->vdev.bus, v->vq, &v->alloc);
    qvirtio_pci_device_disable(v->dev);
    g_free(v->dev->pdev);
    g_free(v->dev);
    alloc_destroy(&v->alloc);
}

/* Send @req, @len bytes, which ends in the tail the device writes. */
static int viommu_request(GuestViommu *v, void *req, size_t len)
{
    size_t ro = len - sizeof(struct virtio_iommu_req_tail);
    uint64_t buf = guest_alloc(&v->alloc, len);
    struct virtio_iommu_req_tail tail;
    uint32_t head;

    qtest_memwrite(v->qts, buf, req, ro);
    head = qvirtqueue_add(v->qts, v->vq, buf, ro, false, true);
    qvirtqueue_add(v->qts, v->vq, buf + ro, sizeof(tail), true, false);
    qvirtqueue_kick(v->qts, &v->dev->vdev, v->vq, head);
    qvirtio_wait_used_elem(v->qts, &v->dev->vdev, v->vq, head, NULL,
                           VIOMMU_TIMEOUT_US);
    qtest_memread(v->qts, buf + ro, &tail, sizeof(tail));
    guest_free(&v->alloc, buf);
    return tail.status;
}

static void viommu_attach(GuestViommu *v, uint32_t domain, uint32_t ep)
{
    struct virtio_iommu_req_attach req = {
        .head.type = VIRTIO_IOMMU_T_ATTACH,
        .domain = cpu_to_le32(domain),
        .endpoint = cpu_to_le32(ep),
    };

    g_assert_cmpint(viommu_request(v, &req, sizeof(req)), ==,
                    VIRTIO_IOMMU_S_OK);
}

static void viommu_map(GuestViommu *v, uint32_t domain, uint64_t iova,
                       uint64_t size, uint64_t gpa)
{
    struct virtio_iommu_req_map req = {
        .head.type = VIRTIO_IOMMU_T_MAP,
        .domain = cpu_to_le32(domain),
        .virt_start = cpu_to_le64(iova),
        .virt_end = cpu_to_le64(iova + size - 1),
        .phys_start = cpu_to_le64(gpa),
        .flags = cpu_to_le32(VIRTIO_IOMMU_MAP_F_READ |
                             VIRTIO_IOMMU_MAP_F_WRITE),
    };

    g_assert_cmpint(viommu_request(v, &req, sizeof(req)), ==,
                    VIRTIO_IOMMU_S_OK);
}

static void viommu_unmap(GuestViommu *v, uint32_t domain, uint64_t iova,
                         uint64_t size)
{
    struct virtio_iommu_req_unmap req = {
        .head.type = VIRTIO_IOMMU_T_UNMAP,
        .domain = cpu_to_le32(domain),
        .virt_start = cpu_to_le64(iova),
        .virt_end = cpu_to_le64(iova + size - 1),
    };

    g_assert_cmpint(viommu_request(v, &req, sizeof(req)), ==,
                    VIRTIO_IOMMU_S_OK);
}

/* The GPU's memory is mapped for DMA at @iova, its @maps-th mapping. */
static void assert_coherent_dma(GpuHost *h, uint64_t iova, uint64_t maps)
{
    g_assert_cmpuint(host_stat(h, GPU_HOST ".live_coherent_dma_maps"), ==, 1);
    g_assert_cmphex(host_stat(h, GPU_HOST ".coherent_dma_iova"), ==, iova);
    g_assert_cmpuint(host_stat(h, GPU_HOST ".coherent_dma_maps"), ==, maps);
}

/*
 * Behind virtio-iommu, a reset of the GPU revokes the memory's mappings
 * where the vIOMMU bypasses it and where the guest maps it, and the
 * device makes exactly those again: not the guest's mappings of other RAM,
 * and not what the guest has unmapped.
 */
static void test_viommu(const void *opaque)
{
    const uint64_t iova = 4 * GiB, ram_iova = 8 * GiB, len = 2 * MiB;
    uint64_t base, exp_devctl, maps, calls;
    GuestViommu v;
    GpuHost h;
    QTestState *qts;
    QDict *data;
    int devfn;

    if (!host_init_emulated(&h, "mem=2G", "reads the host's IOMMU mappings")) {
        return;
    }
    qts = host_qtest_start(&h, ONE_GPU_MACHINE "-m 1G,maxmem=4G "
                           "-object iommufd,id=iommufd0 "
                           "-device virtio-iommu-pci "
                           GPU_DEVICE ",iommufd=iommufd0");
    data = query_coherent_mem(qts);
    base = qdict_get_uint(data, "memaddr");
    qobject_unref(data);
    devfn = gpu_devfn(qts);
    exp_devctl = VIRT_HIGH_PCIE_ECAM + (devfn << 12) +
                 find_cap(qts, VIRT_HIGH_PCIE_ECAM + (devfn << 12),
                          PCI_CAP_ID_EXP) + PCI_EXP_DEVCTL;

    /* No domain yet: the vIOMMU bypasses, so the GPA is the IOVA. */
    maps = host_stat(&h, GPU_HOST ".coherent_dma_maps");
    qtest_system_reset(qts);
    assert_coherent_dma(&h, base, ++maps);
    qtest_writew(qts, exp_devctl, PCI_EXP_DEVCTL_BCR_FLR);
    assert_coherent_dma(&h, base, ++maps);

    viommu_init(&v, qts);
    viommu_attach(&v, 1, devfn);
    g_assert_cmpuint(host_stat(&h, GPU_HOST ".live_coherent_dma_maps"), ==, 0);
    viommu_map(&v, 1, iova, len, base);
    viommu_map(&v, 1, ram_iova, len, VIRT_RAM_BASE);
    assert_coherent_dma(&h, iova, ++maps);

    calls = host_stat(&h, "dma_map_calls");
    qtest_writew(qts, exp_devctl, PCI_EXP_DEVCTL_BCR_FLR);
    assert_coherent_dma(&h, iova, ++maps);
    g_assert_cmpuint(host_stat(&h, "dma_map_calls"), ==, calls + 1);

    viommu_unmap(&v, 1, iova, len);
    g_assert_cmpuint(host_stat(&h, GPU_HOST ".live_coherent_dma_maps"), ==, 0);
    qtest_writew(qts, exp_devctl, PCI_EXP_DEVCTL_BCR_FLR);
    g_assert_cmpuint(host_stat(&h, GPU_HOST ".live_coherent_dma_maps"), ==, 0);
    g_assert_cmpuint(host_stat(&h, "dma_map_calls"), ==, calls + 1);

    viommu_cleanup(&v);
    qtest_quit(qts);
    host_cleanup(&h);
}

/* What the lifetime test writes at end @i (0: first, 1: last word). */
static uint64_t lifetime_word(uint64_t gen, int i)
{
    return 0x6c69666500000000ULL + (gen << 8) + i;
}

/* Both ends of the memory still hold @gen's pattern; then @gen + 1's. */
static void touch_memory(QTestState *qts, uint64_t base, uint64_t size,
                         uint64_t *gen)
{
    const uint64_t at[] = { base, base + size - 8 };
    int i;

    for (i = 0; i < ARRAY_SIZE(at); i++) {
        g_assert_cmphex(qtest_readq(qts, at[i]), ==, lifetime_word(*gen, i));
    }
    ++*gen;
    for (i = 0; i < ARRAY_SIZE(at); i++) {
        qtest_writeq(qts, at[i], lifetime_word(*gen, i));
    }
}

typedef struct LifetimeCase {
    const char *name;
    const char *host;           /* a GH200 with 1 GiB of usemem */
    const char *source;         /* memory-source= */
    const char *taken;          /* where the device takes the memory */
    uint64_t bar2;              /* resmem's BAR, which the guest keeps */
} LifetimeCase;

static const LifetimeCase lifetime_cases[] = {
    { "region", "mem=1G", "auto", "region", 0 },
    { "bar", "abi=bar,mem=2G", "auto", "bar", 1 * GiB },
    /* the proposed region beside the BARs: the region, then BAR4 */
    { "series-region", "abi=both,mem=2G", "auto", "region", 1 * GiB },
    { "series-bar", "abi=both,mem=2G", "bar", "bar", 1 * GiB },
};

/*
 * The memory is guest RAM through whatever the guest does to the GPU: it
 * clears memory decode (as Linux does while sizing BARs), asks for D3hot,
 * writes an FLR, and the machine resets.  On the BAR the device holds the
 * host's decode and D0 while the guest keeps its own view; the region
 * needs no holding.  The emulated and nested GPUs keep their memory
 * through a reset.
 */
static void test_lifetime(const void *opaque)
{
    const LifetimeCase *c = opaque;
    g_autofree char *args = g_strdup_printf(
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE ",memory-source=%s",
        c->source);
    uint64_t base, size, cfg, bars[6], gen = 0;
    uint8_t pm, exp;
    GpuHost h;
    QTestState *qts;
    QDict *data;
    int i;

    if (!host_init(&h, c->host)) {
        return;
    }
    qts = host_qtest_start(&h, args);
    data = query_coherent_mem(qts);
    g_assert_cmpstr(qdict_get_str(data, "memory-source"), ==, c->taken);
    base = qdict_get_uint(data, "memaddr");
    size = qdict_get_uint(data, "size");
    g_assert_cmpuint(size, ==, 1 * GiB);
    qobject_unref(data);
    gpu_bars(qts, bars);
    g_assert_cmpuint(bars[2], ==, c->bar2);
    g_assert_cmpuint(bars[4], ==, 0);

    cfg = VIRT_HIGH_PCIE_ECAM + (gpu_devfn(qts) << 12);
    pm = find_cap(qts, cfg, PCI_CAP_ID_PM);
    exp = find_cap(qts, cfg, PCI_CAP_ID_EXP);
    qtest_writeq(qts, base, lifetime_word(gen, 0));
    qtest_writeq(qts, base + size - 8, lifetime_word(gen, 1));

    qtest_writew(qts, cfg + PCI_COMMAND, PCI_COMMAND_MEMORY);
    touch_memory(qts, base, size, &gen);
    qtest_writew(qts, cfg + PCI_COMMAND, 0);
    g_assert_cmphex(qtest_readw(qts, cfg + PCI_COMMAND), ==, 0);
    touch_memory(qts, base, size, &gen);

    qtest_writew(qts, cfg + pm + PCI_PM_CTRL, PM_D3HOT);
    g_assert_cmphex(qtest_readw(qts, cfg + pm + PCI_PM_CTRL) &
                    PCI_PM_CTRL_STATE_MASK, ==, PM_D3HOT);
    touch_memory(qts, base, size, &gen);
    qtest_writew(qts, cfg + pm + PCI_PM_CTRL, PM_D0);
    touch_memory(qts, base, size, &gen);

    qtest_writew(qts, cfg + exp + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_BCR_FLR);
    touch_memory(qts, base, size, &gen);
    for (i = 0; i < 3; i++) {
        qtest_system_reset(qts);
        touch_memory(qts, base, size, &gen);
    }

    if (host_is_emulated(&h, "the host's side of the memory")) {
        g_assert_cmphex(backing_word(&h, size - 8), ==,
                        lifetime_word(gen, 1));
    }
    qtest_quit(qts);
    host_cleanup(&h);
}

typedef struct MemoryBarCase {
    const char *name;
    const char *host;
    const char *taken;          /* where the device takes the memory */
    uint64_t usemem;
    uint64_t bar2;              /* resmem (GH200) or the real BAR1 */
} MemoryBarCase;

static const MemoryBarCase memory_bar_cases[] = {
    { "gh200", "abi=bar,mem=2G", "bar", 1 * GiB, 1 * GiB },
    /* a BAR of 2 GiB, past the memory all ones */
    { "gb200", "abi=bar,mem=1666M,bar1=256M,model=gb200", "bar",
      1666 * MiB, 256 * MiB },
    /* the series' region, with its own BAR4 hidden */
    { "series-region", "abi=both,mem=2G", "region", 1 * GiB, 1 * GiB },
};

/* virt's 64-bit PCI MMIO window */
#define VIRT_HIGH_PCIE_MMIO 0x8000000000ULL

/* The memory's address in query-memory-devices, or UINT64_MAX if none */
static uint64_t coherent_memaddr(QTestState *qts)
{
    QDict *data = query_coherent_mem(qts);
    uint64_t addr = qdict_haskey(data, "memaddr") ?
                    qdict_get_uint(data, "memaddr") : UINT64_MAX;

    qobject_unref(data);
    return addr;
}

static void place_bar4(QTestState *qts, uint64_t cfg, uint64_t addr)
{
    qtest_writel(qts, cfg + PCI_BASE_ADDRESS_4, (uint32_t)addr);
    qtest_writel(qts, cfg + PCI_BASE_ADDRESS_5, addr >> 32);
}

/*
 * bar=4: the memory as BAR4, the layout NVIDIA's driver takes on GH200
 * without base-pa.  No device memory is needed; the guest places the BAR
 * and its decode alone maps it; the data stays through decode-off, a
 * move of the BAR and a reset, and the memory is DMA-mapped where the BAR
 * is.
 */
static void test_memory_bar(const void *opaque)
{
    const MemoryBarCase *c = opaque;
    const uint64_t bar = VIRT_HIGH_PCIE_MMIO, moved = bar + 4 * GiB;
    uint64_t bars[6], cfg, gen = 0;
    GpuHost h;
    QTestState *qts;
    QDict *data;

    if (!host_init(&h, c->host)) {
        return;
    }
    qts = host_qtest_start(&h, ONE_GPU_MACHINE "-m 1G " GPU_DEVICE ",bar=4");
    data = query_coherent_mem(qts);
    g_assert_cmpstr(qdict_get_str(data, "memory-source"), ==, c->taken);
    g_assert_cmpuint(qdict_get_uint(data, "size"), ==, c->usemem);
    g_assert_cmpint(qdict_get_int(data, "bar"), ==, 4);
    g_assert_false(qdict_haskey(data, "memaddr"));
    qobject_unref(data);
    gpu_bars(qts, bars);
    g_assert_cmpuint(bars[4], ==, pow2ceil(c->usemem));
    g_assert_cmpuint(bars[2], ==, c->bar2);

    cfg = VIRT_HIGH_PCIE_ECAM + (gpu_devfn(qts) << 12);
    g_assert_cmphex(qtest_readl(qts, cfg + PCI_BASE_ADDRESS_4), ==,
                    PCI_BASE_ADDRESS_MEM_TYPE_64 |
                    PCI_BASE_ADDRESS_MEM_PREFETCH);
    place_bar4(qts, cfg, bar);
    qtest_writew(qts, cfg + PCI_COMMAND, PCI_COMMAND_MEMORY);
    g_assert_cmphex(coherent_memaddr(qts), ==, bar);
    qtest_writeq(qts, bar, lifetime_word(gen, 0));
    qtest_writeq(qts, bar + c->usemem - 8, lifetime_word(gen, 1));
    touch_memory(qts, bar, c->usemem, &gen);
    if (c->usemem < bars[4]) {
        g_assert_cmphex(qtest_readq(qts, bar + c->usemem), ==, UINT64_MAX);
        qtest_writeq(qts, bar + bars[4] - 8, 0);
        g_assert_cmphex(qtest_readq(qts, bar + bars[4] - 8), ==, UINT64_MAX);
    }
    if (host_is_emulated(&h, "the host's side and its DMA map")) {
        g_assert_cmphex(backing_word(&h, c->usemem - 8), ==,
                        lifetime_word(gen, 1));
        g_assert_cmpuint(host_stat(&h, GPU_HOST ".live_coherent_dma_maps"),
                         ==, 1);
        g_assert_cmphex(host_stat(&h, GPU_HOST ".coherent_dma_iova"), ==,
                        bar);
    }

    /* The guest's decode is its own: the BAR goes, the memory stays. */
    qtest_writew(qts, cfg + PCI_COMMAND, 0);
    g_assert_cmphex(qtest_readq(qts, bar), !=, lifetime_word(gen, 0));
    g_assert_cmphex(coherent_memaddr(qts), ==, UINT64_MAX);
    if (host_is_emulated(&h, "the DMA unmap with the BAR")) {
        g_assert_cmpuint(host_stat(&h, GPU_HOST ".live_coherent_dma_maps"),
                         ==, 0);
    }
    place_bar4(qts, cfg, moved);
    qtest_writew(qts, cfg + PCI_COMMAND, PCI_COMMAND_MEMORY);
    g_assert_cmphex(coherent_memaddr(qts), ==, moved);
    touch_memory(qts, moved, c->usemem, &gen);
    if (host_is_emulated(&h, "the DMA map of the moved BAR")) {
        g_assert_cmphex(host_stat(&h, GPU_HOST ".coherent_dma_iova"), ==,
                        moved);
    }

    /* A reset unassigns the BAR; placed again, the data is there. */
    qtest_system_reset(qts);
    g_assert_cmphex(qtest_readl(qts, cfg + PCI_BASE_ADDRESS_5), ==, 0);
    place_bar4(qts, cfg, bar);
    qtest_writew(qts, cfg + PCI_COMMAND, PCI_COMMAND_MEMORY);
    touch_memory(qts, bar, c->usemem, &gen);
    qtest_quit(qts);
    host_cleanup(&h);
}

typedef struct CoherentCase {
    const char *name;
    const char *host;
    uint64_t bar4;              /* the size of BAR4 that the guest sees */
} CoherentCase;

static const CoherentCase coherent_cases[] = {
    { "region", "mem=1G", 0 },
    /* the kernel series' nvgrace-gpu, which offers BAR4 as well */
    { "series-region", "abi=both,mem=2G", 1 * GiB },
};

/*
 * vfio-pci-coherent itself, for any device whose host offers the region:
 * the memory is RAM of one node where the machine puts it, and the
 * device's BARs stay as vfio-pci has them, BAR4 included, which only
 * vfio-pci-nvgrace knows to hide.
 */
static void test_coherent_device(const void *opaque)
{
    const CoherentCase *c = opaque;
    g_autofree char *numa = NULL;
    uint64_t bars[6], base, gen = 0;
    GpuHost h;
    QTestState *qts;
    QDict *data;

    if (!host_init(&h, c->host)) {
        return;
    }
    qts = host_qtest_start(&h, ONE_GPU_MACHINE "-m 1G,maxmem=4G "
                           "-device vfio-pci-coherent,host=" GPU_HOST
                           ",node=1,id=mem0");
    data = query_coherent_mem(qts);
    g_assert_cmpstr(qdict_get_str(data, "id"), ==, "mem0");
    g_assert_cmpint(qdict_get_int(data, "node-count"), ==, 1);
    g_assert_cmpstr(qdict_get_str(data, "memory-source"), ==, "region");
    g_assert_cmpuint(qdict_get_uint(data, "size"), ==, 1 * GiB);
    base = qdict_get_uint(data, "memaddr");
    g_assert_cmphex(base, ==, VIRT_DEVICE_MEMORY_BASE(1 * GiB));
    qobject_unref(data);
    numa = qtest_hmp(qts, "info numa");
    g_assert_nonnull(strstr(numa, "node 1 size: 1024 MB"));
    gpu_bars(qts, bars);
    g_assert_cmpuint(bars[4], ==, c->bar4);

    qtest_writeq(qts, base, lifetime_word(gen, 0));
    qtest_writeq(qts, base + 1 * GiB - 8, lifetime_word(gen, 1));
    touch_memory(qts, base, 1 * GiB, &gen);
    if (host_is_emulated(&h, "the host's side of the memory")) {
        g_assert_cmphex(backing_word(&h, 1 * GiB - 8), ==,
                        lifetime_word(gen, 1));
    }
    qtest_quit(qts);
    host_cleanup(&h);
}

/*
 * Command lines QEMU must refuse: one line that names what is wrong and how
 * to fix it, exit status 1.
 */
typedef struct BadConfig {
    const char *name;
    const char *host;           /* emulated host options of the GPU */
    const char *args;
    const char *error;          /* the gist of the message */
    const char *hint;           /* what to do instead, on a line after it */
} BadConfig;

static const BadConfig bad_configs[] = {
    {
        "memaddr-misaligned", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=8G " GPU_DEVICE ",memaddr=0x80100000",
        "'memaddr' 0x80100000: address must be aligned"
    }, {
        "no-coherent-region", "coherent=off",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE,
        "host offers no coherent-memory region (device-specific region "
        "type 0x4 subtype 1) and host offers no BAR4"
    }, {
        "memory-source-region", "abi=bar,mem=2G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE ",memory-source=region",
        "host offers no coherent-memory region (device-specific region "
        "type 0x4 subtype 1)"
    }, {
        /* the generic device takes only the region */
        "coherent-without-region", "abi=bar,mem=2G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G -device vfio-pci-coherent,host="
        GPU_HOST ",node=1",
        "vfio " GPU_HOST ": host offers no coherent-memory "
        "region (device-specific region type 0x4 subtype 1)",
        "The trace event vfio_device_get_region_info_type lists the regions "
        "the host offers."
    }, {
        /* BAR4 of a device not in nvgrace-gpu's table is a BAR */
        "bar-of-another-device", "abi=bar,mem=2G,device-id=0x2330",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE,
        "host offers no coherent-memory region (device-specific region "
        "type 0x4 subtype 1) and 10de:2330 is not a GPU whose memory "
        "nvgrace-gpu shows as BAR4"
    }, {
        "memory-source-bar", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE ",memory-source=bar",
        "'memory-source=bar': host offers no BAR4"
    }, {
        "bar-without-sparse-mmap", "abi=bar,mem=2G,bar-fault=no-sparse",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE,
        "BAR4 has no sparse-mmap capability, so it is not nvgrace-gpu's GPU "
        "memory"
    }, {
        "bar-two-sparse-areas", "abi=bar,mem=2G,bar-fault=two-areas",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE,
        "BAR4's sparse-mmap capability has 2 areas, expected one at offset 0 "
        "(the GPU memory)"
    }, {
        "bar-memory-size-zero", "abi=bar,mem=2G,bar-fault=zero",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE,
        "BAR4's GPU memory size 0x0 is not a non-zero multiple of the host "
        "page size within the BAR"
    }, {
        "bar-memory-size-unaligned", "abi=bar,mem=2G,bar-fault=unaligned",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE,
        "BAR4's GPU memory size 0x3ffff800 is not a non-zero multiple of "
        "the host page size within the BAR"
    }, {
        "bar-not-mmapable", "abi=bar,mem=2G,bar-fault=no-mmap",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE,
        "coherent-memory region 4 cannot be mmapped"
    }, {
        /* 1G of RAM plus 4G of coherent memory */
        "maxmem-too-small", "mem=4G",
        ONE_GPU_MACHINE "-m 1G,maxmem=2G " GPU_DEVICE,
        "0x100000000 bytes of coherent memory do not fit in the machine's "
        "device memory",
        "Raise maxmem to at least 5120M."
    }, {
        /* The slots widen the window, not what memory devices may use. */
        "maxmem-too-small-with-slots", "mem=4G",
        ONE_GPU_MACHINE "-m 1G,slots=4,maxmem=2G " GPU_DEVICE,
        "0x100000000 bytes of coherent memory do not fit in the machine's "
        "device memory (0x40000000 of 0x40000000 bytes free)",
        "Raise maxmem to at least 5120M."
    }, {
        "no-device-memory", "mem=1G",
        ONE_GPU_MACHINE "-m 1G " GPU_DEVICE,
        "the machine has no device memory for the coherent memory",
        "Start QEMU with -m SIZE,maxmem=MAXSIZE, where MAXSIZE is at least "
        "SIZE + 1024M."
    }, {
        "not-virt", "mem=1G",
        "-machine sbsa-ref -nodefaults -global bochs-display.romfile= "
        "-m 1G,maxmem=4G " GPU_DEVICE,
        "vfio " GPU_HOST ": vfio-pci-nvgrace needs a machine that describes "
        "its coherent memory to the guest; machine 'sbsa-ref' does not",
        "Arm's 'virt' machine does."
    }, {
        "node-unset", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G -device vfio-pci-nvgrace,host="
        GPU_HOST,
        "vfio " GPU_HOST ": 'node' is not set",
        "Declare the device's memory-only NUMA nodes with -numa node,nodeid=N "
        "and set node=N."
    }, {
        "node-undeclared", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G -device vfio-pci-nvgrace,host="
        GPU_HOST ",node=2",
        "'node' 2 with 'node-count' 8: NUMA node 9 is not declared",
        "Add -numa node,nodeid=9."
    }, {
        "node-with-cpus", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G -device vfio-pci-nvgrace,host="
        GPU_HOST ",node=0,node-count=1",
        "'node' 0 with 'node-count' 1: NUMA node 0 has CPUs; the device's "
        "nodes must be memory-only",
        "Declare them without cpus= and memdev=."
    }, {
        "node-with-memory", "mem=1G",
        ONE_GPU_MACHINE "-object memory-backend-ram,id=ram9,size=1G "
        "-numa node,nodeid=9,memdev=ram9 -m 2G,maxmem=4G "
        "-device vfio-pci-nvgrace,host=" GPU_HOST ",node=2",
        "'node' 2 with 'node-count' 8: NUMA node 9 has memory; the "
        "device's nodes must be memory-only"
    }, {
        "node-count-past-limit", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G -device vfio-pci-nvgrace,host="
        GPU_HOST ",node=125,node-count=4",
        "'node' 125 with 'node-count' 4 goes past the last possible NUMA "
        "node, 127"
    }, {
        "nodes-shared", "mem=1G;host=" GPU2_HOST ",mem=1G",
        TWO_GPU_MACHINE "-m 1G,maxmem=8G "
        GPU_DEVICE ",id=gpu0 -device vfio-pci-nvgrace,host=" GPU2_HOST
        ",node=5",
        "'node' 5 with 'node-count' 8: NUMA nodes 1-8 belong to "
        "vfio-pci-nvgrace '" GPU_HOST "'",
        "Give each device NUMA nodes of its own."
    }, {
        "generic-initiator-and-node", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G "
        "-object acpi-generic-initiator,id=gi3,pci-dev=gpu0,node=3 "
        GPU_DEVICE ",id=gpu0",
        "'node' is set, and 1 acpi-generic-initiator objects name this "
        "device too"
    }, {
        "generic-initiators-skip-a-node", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G "
        "-object acpi-generic-initiator,id=gi1,pci-dev=gpu0,node=1 "
        "-object acpi-generic-initiator,id=gi3,pci-dev=gpu0,node=3 "
        "-device vfio-pci-nvgrace,host=" GPU_HOST ",id=gpu0",
        "the acpi-generic-initiator objects that name this device skip NUMA "
        "node 2; the device's nodes are one range, each named once"
    }, {
        "generic-initiators-name-a-node-twice", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G "
        "-object acpi-generic-initiator,id=gi1,pci-dev=gpu0,node=1 "
        "-object acpi-generic-initiator,id=gi1b,pci-dev=gpu0,node=1 "
        "-device vfio-pci-nvgrace,host=" GPU_HOST ",id=gpu0",
        "the acpi-generic-initiator objects that name this device name twice "
        "NUMA node 1"
    }, {
        "generic-initiators-and-node-count", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G "
        "-object acpi-generic-initiator,id=gi1,pci-dev=gpu0,node=1 "
        "-object acpi-generic-initiator,id=gi2,pci-dev=gpu0,node=2 "
        "-device vfio-pci-nvgrace,host=" GPU_HOST ",id=gpu0,node-count=4",
        "'node-count' 4 does not match the 2 acpi-generic-initiator objects "
        "that name this device"
    }, {
        "no-mmap", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE ",id=gpu0,x-no-mmap=on",
        "x-no-mmap is not supported: the coherent memory is guest RAM only as a "
        "mapping of the host's"
    }, {
        /* Named by its host address, as vfio-pci names it. */
        "driver-managed-without-acpi-sysfsdev", "mem=1G",
        ONE_GPU_MACHINE "-machine acpi=off -m 1G,maxmem=4G "
        "-device vfio-pci-nvgrace,sysfsdev=/sys/bus/pci/devices/" GPU_HOST
        ",node=1",
        "vfio-pci-coherent '" GPU_HOST "': 'online=driver-managed' needs a "
        "guest that boots with ACPI"
    }, {
        /* BAR4 with no resource vfio-pci-core can claim: no dma-buf */
        "iommufd-without-dma-buf", "abi=bar,mem=2G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G -object iommufd,id=iommufd0 "
        GPU_DEVICE ",iommufd=iommufd0",
        "vfio " GPU_HOST ": other devices cannot DMA into the coherent "
        "memory"
    }, {
        "bar-iommufd-without-dma-buf", "abi=bar,mem=2G",
        ONE_GPU_MACHINE "-m 1G -object iommufd,id=iommufd0 "
        GPU_DEVICE ",iommufd=iommufd0,bar=4",
        "vfio " GPU_HOST ": other devices cannot DMA into the coherent "
        "memory in BAR4 under iommufd",
        "That needs Linux 6.19 or later, and a VFIO driver that exports its "
        "coherent-memory region; else use the legacy VFIO container (no "
        "iommufd)."
    }, {
        "bar-odd", "mem=1G",
        ONE_GPU_MACHINE "-m 1G " GPU_DEVICE ",bar=3",
        "'bar' 3 is not the first slot of a 64-bit BAR (0, 2 or 4)"
    }, {
        "bar-taken", "abi=bar,mem=2G",
        ONE_GPU_MACHINE "-m 1G " GPU_DEVICE ",bar=2",
        "'bar' 2: the host's device has a BAR there"
    }, {
        "bar-and-memaddr", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE
        ",bar=4,memaddr=0x80000000",
        "'memaddr' is set, but with 'bar' the guest's firmware places the "
        "memory"
    }, {
        "bar-online-boot", "mem=1G",
        ONE_GPU_MACHINE "-m 1G " GPU_DEVICE ",bar=4,online=boot",
        "'online=boot' needs the memory in the guest's memory map, not in a "
        "BAR"
    }, {
        /*
         * The back end maps guest RAM from the file descriptors QEMU passes
         * it; the device refuses before it connects (the socket is abstract:
         * no file is left behind).
         */
        "vhost-user-after-device", "abi=bar,mem=2G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE " -chardev socket,"
        "id=vu,path=vfio-nvgrace-test-vu,abstract=on,server=on,wait=off "
        "-device vhost-user-blk-pci,chardev=vu",
        "vhost-user cannot reach all of guest RAM: some has no file "
        "descriptor to share with the back end",
        "Device memory mapped as guest RAM (as vfio-pci-coherent's) cannot be "
        "shared with another process."
    }, {
        /* The kernel pins the guest's buffers; refused before it opens it. */
        "vhost-scsi-after-device", "abi=bar,mem=2G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE
        " -device vhost-scsi-pci,wwpn=naa.5001405000000001",
        "vhost-scsi cannot pin all of guest RAM: some is device memory "
        "without struct pages"
    }, {
        "driver-managed-without-acpi", "mem=1G",
        ONE_GPU_MACHINE "-machine acpi=off -m 1G,maxmem=4G " GPU_DEVICE
        ",id=gpu0",
        "vfio-pci-coherent 'gpu0': 'online=driver-managed' needs a guest that "
        "boots with ACPI (firmware and acpi=on), but this guest boots from a "
        "device tree",
        "Set online=boot, or boot through UEFI firmware."
    },
};

static void test_bad_config(const void *opaque)
{
    const BadConfig *bad = opaque;
    g_autofree char *err = NULL;
    g_auto(GStrv) lines = NULL;
    GpuHost h;
    int i;

    if (!host_init(&h, bad->host)) {
        return;
    }
    err = host_qemu_fails(&h, bad->args);
    lines = g_strsplit(err, "\n", -1);
    for (i = 0; lines[i] && !strstr(lines[i], bad->error); i++) {
        continue;
    }
    /* The whole message is on one error line, the advice after it. */
    g_assert_nonnull(lines[i]);
    g_assert_true(g_str_has_prefix(lines[i], "qemu-system-aarch64: "));
    if (bad->hint) {
        while (lines[++i] && strcmp(lines[i], bad->hint)) {
            g_assert_false(g_str_has_prefix(lines[i], "qemu-system-aarch64:"));
        }
        g_assert_nonnull(lines[i]);
    }
    host_cleanup(&h);
}

/*
 * Without the device the same vhost-scsi gets as far as opening the
 * kernel's device: the refusal above is the device's.
 */
static void test_vhost_scsi_without_device(void)
{
    g_autofree char *err = NULL;
    GpuHost h;

    if (!host_init(&h, "abi=bar,mem=2G")) {
        return;
    }
    err = host_qemu_fails(&h, ONE_GPU_MACHINE "-m 1G,maxmem=4G "
                          "-device vhost-scsi-pci,wwpn=naa.5001405000000001");
    g_assert_null(strstr(err, "cannot pin"));
    g_assert_nonnull(strstr(err, "/dev/vhost-scsi"));
    host_cleanup(&h);
}

/* The daemon goes with the test, whatever ends it. */
static void die_with_parent(gpointer data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/*
 * A vhost-user back end that is already serving the guest: the device
 * refuses to add memory the back end cannot reach.  qemu-storage-daemon
 * serves a vhost-user-blk disk.
 */
static void test_vhost_user_before_device(void)
{
    const char *qsd = g_getenv("QTEST_QEMU_STORAGE_DAEMON_BINARY");
    g_autofree char *sock = NULL, *cmd = NULL, *args = NULL, *err = NULL;
    g_auto(GStrv) argv = NULL;
    g_autoptr(GError) gerr = NULL;
    GPid pid;
    GpuHost h;
    int i;

    if (!qsd) {
        g_test_skip("QTEST_QEMU_STORAGE_DAEMON_BINARY is not set");
        return;
    }
    if (!host_init(&h, "abi=bar,mem=2G")) {
        return;
    }
    sock = g_build_filename(h.dir, "vhost-user-blk.sock", NULL);
    cmd = g_strdup_printf("%s --blockdev null-co,node-name=disk0 "
                          "--export vhost-user-blk,id=exp0,node-name=disk0,"
                          "addr.type=unix,addr.path=%s", qsd, sock);
    g_assert(g_shell_parse_argv(cmd, NULL, &argv, NULL));
    g_assert(g_spawn_async(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                           die_with_parent, NULL, &pid, &gerr));
    for (i = 0; i < 1000 && !g_file_test(sock, G_FILE_TEST_EXISTS); i++) {
        g_usleep(10 * 1000);
    }
    g_assert_true(g_file_test(sock, G_FILE_TEST_EXISTS));

    /* Without the device, the disk is served. */
    args = g_strdup_printf(ONE_GPU_MACHINE "-m 1G,maxmem=4G -chardev socket,"
                           "id=vu,path=%s -device vhost-user-blk-pci,"
                           "chardev=vu,num-queues=1,id=disk0", sock);
    qtest_quit(host_qtest_start(&h, args));

    g_free(args);
    args = g_strdup_printf(ONE_GPU_MACHINE "-m 1G,maxmem=4G -chardev socket,"
                           "id=vu,path=%s -device vhost-user-blk-pci,"
                           "chardev=vu,num-queues=1 " GPU_DEVICE, sock);
    err = host_qemu_fails(&h, args);
    g_assert_nonnull(strstr(err, "qemu-system-aarch64: -device "
                            "vfio-pci-nvgrace,host=" GPU_HOST ",node=1: "
                            "vfio " GPU_HOST ": a vhost back end in use "
                            "needs to pin or share all of guest RAM, which "
                            "the coherent memory does not allow\n"
                            "vhost-user, vhost-vdpa and vhost-scsi back ends "
                            "cannot be used with this device"));

    g_assert_cmpint(kill(pid, SIGTERM), ==, 0);
    g_assert_cmpint(waitpid(pid, NULL, 0), ==, pid);
    g_spawn_close_pid(pid);
    unlink(sock);
    host_cleanup(&h);
}

/*
 * A kernel booted without firmware reads a device tree, never ACPI, so
 * nothing would tell a driver where driver-managed memory is.
 */
static void test_dt_boot_refuses_driver_managed(void)
{
    g_autofree char *kernel = NULL;
    g_autofree char *args = NULL;
    g_autofree char *err = NULL;
    char image[4096] = { 0 };
    GpuHost h;

    if (!host_init(&h, "mem=1G")) {
        return;
    }
    kernel = g_build_filename(h.dir, "Image", NULL);
    g_assert(g_file_set_contents(kernel, image, sizeof(image), NULL));
    args = g_strdup_printf(ONE_GPU_MACHINE "-m 1G,maxmem=4G -kernel %s "
                           GPU_DEVICE, kernel);
    err = host_qemu_fails(&h, args);
    g_assert_nonnull(strstr(err, "qemu-system-aarch64: vfio-pci-coherent "
                            "'" GPU_HOST "': 'online=driver-managed' needs a "
                            "guest that boots with ACPI"));
    g_assert_nonnull(strstr(err, "but this guest boots from a device tree\n"
                            "Set online=boot, or boot through UEFI "
                            "firmware.\n"));
    unlink(kernel);
    host_cleanup(&h);
}

/* What QEMU prints on stderr while it runs @args, until it quits. */
static char *qemu_stderr_of(GpuHost *h, const char *args)
{
    QTestState *qts = host_qtest_start_logged(h, args);

    qobject_unref(query_coherent_mem(qts));
    qtest_quit(qts);
    return host_qemu_stderr(h);
}

/*
 * NVIDIA's driver matches Generic Initiators only for a GPU at devfn 0:
 * anywhere else QEMU warns, and the GPU still works.  (bar=4: the layout
 * of a GH200 for that driver, about which QEMU has nothing to say.)
 */
static void test_warn_devfn_not_zero(void)
{
    const char *warning = "qemu-system-aarch64: " GPU_DEVICE ",bar=4,"
        "addr=02.0: warning: vfio-pci-nvgrace " GPU_HOST " at 02.0: "
        "NVIDIA's guest driver reads the Generic Initiator entries only for "
        "a GPU at device 0 function 0 (behind a pcie-root-port); here it "
        "falls back to _DSD nvidia,gpu-mem-pxm-start/count\n";
    g_autofree char *err = NULL;
    GpuHost h;

    if (!host_init(&h, "mem=1G")) {
        return;
    }
    err = qemu_stderr_of(&h, ONE_GPU_MACHINE "-m 1G " GPU_DEVICE
                         ",bar=4,addr=02.0");
    g_assert_cmpstr(err, ==, warning);
    g_free(err);

    /* At devfn 0 behind a root port there is nothing to warn about. */
    err = qemu_stderr_of(&h, ONE_GPU_MACHINE "-m 1G "
                         "-device pcie-root-port,id=rp0,chassis=1 "
                         GPU_DEVICE ",bar=4,bus=rp0");
    g_assert_cmpstr(err, ==, "");
    host_cleanup(&h);
}

/*
 * On GH200, NVIDIA's driver needs bar=4 (its reserved memory would be at
 * guest physical 0): QEMU says so where that driver would add the memory,
 * and only there: not with bar=4, not for online=boot, not on GB200.
 */
static void test_warn_gh200_layout(void)
{
    const char *warning = "qemu-system-aarch64: -device vfio-pci-nvgrace,"
        "host=" GPU_HOST ",node=1,bus=rp0: warning: vfio-pci-nvgrace "
        GPU_HOST ": on GH200 NVIDIA's guest driver maps the memory it keeps "
        "at guest physical 0 unless the GPU memory is BAR4: set bar=4 for "
        "that driver\n";
    static const char *const quiet[] = { ",bar=4", ",online=boot" };
    g_autofree char *err = NULL;
    GpuHost h;
    int i;

    if (!host_init(&h, "mem=1G")) {
        return;
    }
    err = qemu_stderr_of(&h, ONE_GPU_MACHINE "-m 1G,maxmem=4G "
                         "-device pcie-root-port,id=rp0,chassis=1 "
                         GPU_DEVICE ",bus=rp0");
    g_assert_cmpstr(err, ==, warning);
    for (i = 0; i < ARRAY_SIZE(quiet); i++) {
        g_autofree char *args = g_strdup_printf(
            ONE_GPU_MACHINE "-m 1G,maxmem=4G "
            "-device pcie-root-port,id=rp0,chassis=1 " GPU_DEVICE
            ",bus=rp0%s", quiet[i]);

        g_free(err);
        err = qemu_stderr_of(&h, args);
        g_assert_cmpstr(err, ==, "");
    }
    host_cleanup(&h);

    if (!host_init(&h, "model=gb200,mem=1G")) {
        return;
    }
    g_free(err);
    err = qemu_stderr_of(&h, ONE_GPU_MACHINE "-m 1G,maxmem=4G "
                         "-device pcie-root-port,id=rp0,chassis=1 "
                         GPU_DEVICE ",bus=rp0");
    g_assert_cmpstr(err, ==, "");
    host_cleanup(&h);
}

/*
 * Two Blackwell GPUs of 1410 MiB, not a multiple of a memory block: each
 * starts on a 1 GiB boundary (its size rounded up to a power of two, and
 * capped), where a guest's driver can add it whatever the guest's page size
 * and both the host and the guest can map it with huge pages.  Rounded to
 * 512 MiB only, the second would start at 3.5 GiB.
 */
static void test_blackwell_sizes_placed_on_blocks(void)
{
    GpuHost h;
    QTestState *qts;
    QDict *resp;
    QListEntry *e;
    uint64_t end = 0, base;
    int n = 0;

    if (!host_init(&h, "abi=bar,model=gb200,mem=1410M;host=" GPU2_HOST
                           ",abi=bar,model=gb200,mem=1410M")) {
        return;
    }
    qts = host_qtest_start(&h,
                           TWO_GPU_MACHINE "-m 1G,maxmem=8G " GPU_DEVICE
                           " -device vfio-pci-nvgrace,host=" GPU2_HOST
                           ",node=9");
    resp = qtest_qmp(qts, "{ 'execute': 'query-memory-devices' }");
    QLIST_FOREACH_ENTRY(qdict_get_qlist(resp, "return"), e) {
        QDict *data = qdict_get_qdict(qobject_to(QDict, e->value), "data");

        g_assert_cmpuint(qdict_get_uint(data, "size"), ==, 1410 * MiB);
        base = qdict_get_uint(data, "memaddr");
        g_assert_cmphex(base % (1 * GiB), ==, 0);
        g_assert_cmphex(base, >=, end);
        end = base + 1410 * MiB;
        n++;
    }
    g_assert_cmpint(n, ==, 2);
    qobject_unref(resp);
    qtest_quit(qts);
    host_cleanup(&h);
}

/*
 * The GPU memory is guest RAM from the first instruction on, so the device
 * can be neither added nor removed at run time.  Behind a pcie-root-port
 * the bus would allow both: only the device itself refuses.
 */
static void test_not_hot_pluggable(void)
{
    const uint64_t pattern = 0x686f74706c756700ULL;
    GpuHost h;
    QTestState *qts;
    QDict *resp, *data;
    uint64_t base;

    if (!host_init(&h, "mem=1G")) {
        return;
    }
    qts = host_qtest_start(&h, ONE_GPU_MACHINE "-m 1G,maxmem=4G "
                           "-device pcie-root-port,id=rp0,chassis=1 "
                           "-device pcie-root-port,id=rp1,chassis=2 "
                           GPU_DEVICE ",id=gpu0,bus=rp0");
    data = query_coherent_mem(qts);
    base = qdict_get_uint(data, "memaddr");
    qobject_unref(data);
    qtest_writeq(qts, base, pattern);

    resp = qtest_qmp(qts, "{ 'execute': 'device_add', 'arguments': {"
                     " 'driver': 'vfio-pci-nvgrace', 'bus': 'rp1',"
                     " 'host': '" GPU2_HOST "', 'node': 9 } }");
    g_assert_cmpstr(qdict_get_str(qdict_get_qdict(resp, "error"), "desc"),
                    ==, "Device 'vfio-pci-nvgrace' does not support "
                    "hotplugging");
    qobject_unref(resp);

    resp = qtest_qmp(qts, "{ 'execute': 'device_del', 'arguments': {"
                     " 'id': 'gpu0' } }");
    g_assert_cmpstr(qdict_get_str(qdict_get_qdict(resp, "error"), "desc"),
                    ==, "Device 'vfio-pci-nvgrace' does not support "
                    "hotplugging");
    qobject_unref(resp);

    /* The memory is still there, with what the guest wrote. */
    data = query_coherent_mem(qts);
    g_assert_cmphex(qdict_get_uint(data, "memaddr"), ==, base);
    qobject_unref(data);
    g_assert_cmphex(qtest_readq(qts, base), ==, pattern);
    qtest_quit(qts);
    host_cleanup(&h);
}

int main(int argc, char **argv)
{
    int i;

    g_test_init(&argc, &argv, NULL);

    if (!host_available()) {
        g_test_skip("neither NVGRACE_HOST_LIB nor NVGRACE_REAL_GPU names a "
                    "host");
        return g_test_run();
    }

    qtest_add_func("/vfio-nvgrace/realize-and-report", test_realize_and_report);
    qtest_add_func("/vfio-nvgrace/data-reaches-host", test_data_reaches_host);
    qtest_add_func("/vfio-nvgrace/dma-mapped-at-guest-address",
                   test_dma_mapped_at_guest_address);
    qtest_add_func("/vfio-nvgrace/memaddr", test_memaddr);
    qtest_add_data_func("/vfio-nvgrace/upstream-bar/gh200", "gh200",
                        test_upstream_bar);
    qtest_add_data_func("/vfio-nvgrace/upstream-bar/gb200", "gb200",
                        test_upstream_bar);
    qtest_add_data_func("/vfio-nvgrace/iommufd/region", "", test_iommufd);
    qtest_add_data_func("/vfio-nvgrace/iommufd/bar", ",abi=bar,phys-bars=on",
                        test_iommufd);
    qtest_add_data_func("/vfio-nvgrace/iommufd/viommu", NULL, test_viommu);
    qtest_add_data_func("/vfio-nvgrace/iommufd/series-region", ",abi=both",
                        test_iommufd);
    for (i = 0; i < ARRAY_SIZE(lifetime_cases); i++) {
        g_autofree char *path = g_strdup_printf("/vfio-nvgrace/lifetime/%s",
                                                lifetime_cases[i].name);

        qtest_add_data_func(path, &lifetime_cases[i], test_lifetime);
    }
    for (i = 0; i < ARRAY_SIZE(memory_bar_cases); i++) {
        g_autofree char *path = g_strdup_printf("/vfio-nvgrace/bar4/%s",
                                                memory_bar_cases[i].name);

        qtest_add_data_func(path, &memory_bar_cases[i], test_memory_bar);
    }
    for (i = 0; i < ARRAY_SIZE(coherent_cases); i++) {
        g_autofree char *path = g_strdup_printf("/vfio-nvgrace/coherent/%s",
                                                coherent_cases[i].name);

        qtest_add_data_func(path, &coherent_cases[i], test_coherent_device);
    }
    qtest_add_func("/vfio-nvgrace/blackwell-sizes-placed-on-blocks",
                   test_blackwell_sizes_placed_on_blocks);
    qtest_add_func("/vfio-nvgrace/not-hot-pluggable",
                   test_not_hot_pluggable);
    qtest_add_func("/vfio-nvgrace/warn-devfn-not-zero",
                   test_warn_devfn_not_zero);
    qtest_add_func("/vfio-nvgrace/warn-gh200-layout", test_warn_gh200_layout);
    qtest_add_func("/vfio-nvgrace/refuse/driver-managed-dt-boot",
                   test_dt_boot_refuses_driver_managed);
    qtest_add_func("/vfio-nvgrace/refuse/vhost-user-before-device",
                   test_vhost_user_before_device);
    qtest_add_func("/vfio-nvgrace/vhost-scsi-without-device",
                   test_vhost_scsi_without_device);
    for (i = 0; i < ARRAY_SIZE(bad_configs); i++) {
        g_autofree char *path = g_strdup_printf("/vfio-nvgrace/refuse/%s",
                                                bad_configs[i].name);

        qtest_add_data_func(path, &bad_configs[i], test_bad_config);
    }

    return g_test_run();
}
