// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nvgrace_mem: reference module that onlines the cache-coherent memory of
 * NVIDIA Grace Hopper / Grace Blackwell GPUs given to an arm64 VM by the
 * vfio-pci-nvgrace QEMU device, as a NUMA node in ZONE_MOVABLE.
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * The VM firmware describes the GPU memory like bare-metal firmware does:
 * the GPU's ACPI device node has the _DSD properties nvidia,gpu-mem-base-pa,
 * nvidia,gpu-mem-size, nvidia,gpu-mem-pxm-start and nvidia,gpu-mem-pxm-count,
 * SRAT has Generic Initiator entries for the GPU's proximity domains and a
 * hot-pluggable memory affinity entry for the range.  With the
 * "driver-managed" policy the memory is not in the boot memory map and a
 * driver has to add it.  This module does what NVIDIA's driver
 * (open-gpu-kernel-modules 595.45.04) does, and fails where it fails, so
 * that a guest test of QEMU's description is a test of what the driver
 * will do with it.  References are to that release:
 *
 *  - the nodes: SRAT Generic Initiators first, then the _DSD's proximity
 *    domains; the memory goes to the lowest node (nv-pci.c:319-416,
 *    :440-445, :538-563);
 *  - the memory: at the _DSD's nvidia,gpu-mem-base-pa; without it, in a
 *    VM, at the start of BAR4, and on Hopper RM maps what it keeps at the
 *    start of BAR2 (rsvd_mem_pa; with base-pa it stays 0) (nv-pci.c:447-526).
 *    The size is gpu-mem-size where the _DSD gives base-pa and size; else
 *    RM reads it from the GPU (HdmTop, kern_mem_sys.c:921-941), which a
 *    guest without the GPU cannot: the hdm_top parameter stands for it;
 *  - the size onlined: that size less what the resource manager (RM) keeps,
 *    aligned down.  On GH100 in a VM RM keeps a fixed 1 GiB and aligns to
 *    512 MiB (kern_mem_sys.c:1011-1026); on Blackwell it keeps what it
 *    computes at run time from its firmware (kern_mem_sys.c:982-1009),
 *    which a guest without the GPU cannot know: the rm_reserved parameter
 *    stands for it;
 *  - add_memory_driver_managed(node, ..., "System RAM (NVIDIA)", MHP_NONE)
 *    in 128 pieces of whole memory blocks (os-interface.c:2393, :2455-2487).
 *    Memory already online (QEMU's online=boot) makes that fail, and the
 *    GPU is then unusable;
 *  - the blocks are onlined by the kernel, with the administrator's
 *    auto-online policy, which must be "online_movable": a memory notifier
 *    refuses any other zone (os-interface.c:2354-2391), and afterwards the
 *    node's ZONE_MOVABLE must be exactly the range, else it is removed again
 *    (os-interface.c:2491-2526).  Boot the guest with
 *    memhp_default_state=online_movable.
 *
 * Each GPU succeeds or fails on its own, as each is a device of the driver;
 * loading fails only if no GPU's memory could be onlined.
 *
 * The module parameter "mode" selects where the memory is described: "dsd"
 * (the firmware's description above, as the driver reads it), or "bar":
 * the GPU's BAR4 on node "bar_node", with no description at all (plain
 * vfio-pci without Generic Initiators, where the driver finds no nodes),
 * for comparison.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/acpi.h>
#include <linux/align.h>
#include <linux/math.h>
#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/notifier.h>
#include <linux/numa.h>
#include <linux/pci.h>
#include <linux/pfn.h>
#include <linux/property.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/version.h>

/* Linux 6.12 moved it (the 16 KiB-page guest runs 6.12). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#define NVGRACE_RES_NAME	"System RAM (NVIDIA)"
#define NVGRACE_NR_PIECES	128
/* GH100 in a VM (bug 3656943's workaround): kern_mem_sys.c:1011-1026. */
#define NVGRACE_GH100_RESERVED	SZ_1G
#define NVGRACE_GH100_ALIGN	SZ_512M

static char *mode = "dsd";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode,
		 "Where the GPU memory is: \"dsd\" (the ACPI _DSD properties) or \"bar\" (BAR4, as NVIDIA's driver takes it in a VM without base-pa)");

static int bar_node = NUMA_NO_NODE;
module_param(bar_node, int, 0444);
MODULE_PARM_DESC(bar_node, "mode=bar: the NUMA node of the memory");

static ulong hdm_top;
module_param(hdm_top, ulong, 0444);
MODULE_PARM_DESC(hdm_top,
		 "Without nvidia,gpu-mem-size: the GPU's memory size (HdmTop), which RM reads from the GPU");

static ulong rm_reserved;
module_param(rm_reserved, ulong, 0444);
MODULE_PARM_DESC(rm_reserved,
		 "Blackwell: the bytes RM keeps of the memory (RM computes them at run time)");

/* What runs the GPU's memory, by device id (detect-self-hosted.h:29-44). */
enum nvgrace_chip {
	NVGRACE_OTHER,		/* not self-hosted: the driver does not look */
	NVGRACE_HOPPER,
	NVGRACE_BLACKWELL,
};

struct nvgrace_gpu {
	struct list_head list;
	struct pci_dev *pdev;
	enum nvgrace_chip chip;
	u64 base;
	u64 mem_size;		/* what the firmware describes */
	u64 size;		/* what the driver onlines, from base */
	u64 rsvd_pa;		/* Hopper: where RM maps what it keeps */
	bool enabled;		/* pci_enable_device_mem() for its BARs */
	u64 piece;		/* bytes per add_memory_driver_managed() */
	u64 added;		/* bytes added so far, from base */
	bool failed;		/* could not be onlined */
	int nid;
	const char *res_name;	/* referenced by the iomem resources */
};

/* Complete before the notifier is registered, unchanged while it is. */
static LIST_HEAD(nvgrace_gpus);

static int nvgrace_mem_notify(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	const struct memory_notify *arg = data;
	u64 start = PFN_PHYS(arg->start_pfn);
	u64 end = start + PFN_PHYS(arg->nr_pages);
	struct nvgrace_gpu *gpu;

	if (action != MEM_GOING_ONLINE)
		return NOTIFY_OK;

	list_for_each_entry(gpu, &nvgrace_gpus, list) {
		if (READ_ONCE(gpu->failed) || end <= gpu->base ||
		    start >= gpu->base + gpu->size)
			continue;
		/* The pages are in their zone already at MEM_GOING_ONLINE. */
		if (page_zonenum(pfn_to_page(arg->start_pfn)) == ZONE_MOVABLE)
			return NOTIFY_OK;
		pr_err("%s: refusing to online [0x%llx-0x%llx] outside ZONE_MOVABLE: set auto-online mode online_movable in /sys/devices/system/memory/auto_online_blocks\n",
		       pci_name(gpu->pdev), start, end - 1);
		return NOTIFY_BAD;
	}
	return NOTIFY_OK;
}

static struct notifier_block nvgrace_mem_nb = {
	.notifier_call = nvgrace_mem_notify,
};

static enum nvgrace_chip nvgrace_chip(const struct pci_dev *pdev)
{
	u16 id = pdev->device;

	if (id >= 0x2340 && id <= 0x237f)
		return NVGRACE_HOPPER;
	if ((id >= 0x2940 && id <= 0x297f) || (id >= 0x31c0 && id <= 0x31ff) ||
	    id == 0x31a1)
		return NVGRACE_BLACKWELL;
	return NVGRACE_OTHER;
}

/*
 * Add to @nodes the nodes of the SRAT Generic Initiators that name the GPU,
 * as find_gpu_numa_nodes_in_srat() matches them (nv-pci.c:319-416): only
 * for a GPU at devfn 0; the segment in handle bytes 0-1, the bus in byte 2,
 * or in byte 3 when byte 2 is 0.  A proximity domain without a node voids
 * the matches, but not the nodes already added.  Returns the number of
 * matches.
 */
static int nvgrace_srat_nodes(struct pci_dev *pdev, nodemask_t *nodes)
{
	struct acpi_srat_generic_affinity *gi;
	struct acpi_subtable_header *sub;
	struct acpi_table_header *srat;
	int count = 0, nid;
	u8 *p, *end, bus;

	if (pdev->devfn)
		return 0;
	if (ACPI_FAILURE(acpi_get_table(ACPI_SIG_SRAT, 0, &srat)))
		return 0;
	end = (u8 *)srat + srat->length;
	for (p = (u8 *)srat + sizeof(struct acpi_table_srat);
	     p + sizeof(*sub) <= end; p += sub->length) {
		sub = (struct acpi_subtable_header *)p;
		if (sub->length < sizeof(*sub) || p + sub->length > end)
			break;
		if (sub->type != ACPI_SRAT_TYPE_GENERIC_AFFINITY ||
		    sub->length < sizeof(*gi))
			continue;
		gi = (struct acpi_srat_generic_affinity *)p;
		bus = gi->device_handle[2] ?: gi->device_handle[3];
		if (get_unaligned_le16(gi->device_handle) !=
		    pci_domain_nr(pdev->bus) || bus != pdev->bus->number)
			continue;
		nid = pxm_to_node(gi->proximity_domain);
		if (nid == NUMA_NO_NODE) {
			pr_warn("%s: Generic Initiator for proximity domain %u has no node\n",
				pci_name(pdev), gi->proximity_domain);
			count = 0;
			break;
		}
		node_set(nid, *nodes);
		count++;
	}
	acpi_put_table(srat);
	return count;
}

static bool nvgrace_bar_is_mem(struct pci_dev *pdev, int bar)
{
	return pci_resource_len(pdev, bar) &&
	       (pci_resource_flags(pdev, bar) & IORESOURCE_MEM);
}

/*
 * Without base-pa, in a VM: the memory from BAR4, its size from the GPU
 * (hdm_top here), and on Hopper RM's at BAR2 (nv-pci.c:457-526).
 */
static int nvgrace_read_bar4(struct pci_dev *pdev, u64 *base, u64 *size)
{
	if (!nvgrace_bar_is_mem(pdev, 4)) {
		pr_err("%s: no nvidia,gpu-mem-base-pa and no BAR4\n",
		       pci_name(pdev));
		return -EINVAL;
	}
	if (!hdm_top) {
		pr_err("%s: no nvidia,gpu-mem-base-pa: the memory is BAR4, whose size RM reads from the GPU: give hdm_top\n",
		       pci_name(pdev));
		return -EINVAL;
	}
	*base = pci_resource_start(pdev, 4);
	*size = hdm_top;
	return 0;
}

/*
 * The memory as the firmware describes it (nv-pci.c:440-526, :538-546).
 * Returns -ENODEV for a GPU with no description: no Generic Initiator and
 * no _DSD proximity domains.  *in_bar says that the memory is BAR4.
 */
static int nvgrace_read_dsd(struct pci_dev *pdev, u64 *base, u64 *size,
			    nodemask_t *nodes, bool *in_bar)
{
	struct device *dev = &pdev->dev;
	u64 start, count, pxm;
	int nid;

	if (!has_acpi_companion(dev))
		return -ENODEV;
	if (!nvgrace_srat_nodes(pdev, nodes)) {
		if (device_property_read_u64(dev, "nvidia,gpu-mem-pxm-start",
					     &start) ||
		    device_property_read_u64(dev, "nvidia,gpu-mem-pxm-count",
					     &count)) {
			if (!device_property_present(dev,
						     "nvidia,gpu-mem-base-pa"))
				return -ENODEV;
			pr_err("%s: no Generic Initiator names the GPU, and no nvidia,gpu-mem-pxm-start/-count\n",
			       pci_name(pdev));
			return -EINVAL;
		}
		for (pxm = start; pxm < start + count && pxm <= INT_MAX; pxm++) {
			nid = pxm_to_node(pxm);
			if (nid != NUMA_NO_NODE)
				node_set(nid, *nodes);
		}
	}
	*in_bar = device_property_read_u64(dev, "nvidia,gpu-mem-base-pa",
					    base) != 0;
	if (*in_bar)
		return nvgrace_read_bar4(pdev, base, size);
	/* Without it RM takes the size from the GPU itself. */
	if (device_property_read_u64(dev, "nvidia,gpu-mem-size", size))
		*size = hdm_top;
	if (!*size) {
		pr_err("%s: no nvidia,gpu-mem-size, and no hdm_top for the size RM reads from the GPU\n",
		       pci_name(pdev));
		return -EINVAL;
	}
	return 0;
}

/*
 * mode=bar: the memory is the GPU's BAR4, as NVIDIA's driver takes it in a
 * VM when the _DSD gives no base address (the upstream nvgrace-gpu design
 * with plain vfio-pci).  The node comes from bar_node.
 */
static int nvgrace_read_bar(struct pci_dev *pdev, u64 *base, u64 *size,
			    nodemask_t *nodes)
{
	if (!nvgrace_bar_is_mem(pdev, 4))
		return -ENODEV;
	*base = pci_resource_start(pdev, 4);
	*size = pci_resource_len(pdev, 4);
	node_set(bar_node, *nodes);
	return 0;
}

static int nvgrace_new_gpu(struct pci_dev *pdev, enum nvgrace_chip chip,
			   u64 base, u64 mem_size, const nodemask_t *nodes,
			   bool in_bar)
{
	unsigned long block = memory_block_size_bytes();
	u64 reserved = rm_reserved, align = block, size;
	struct nvgrace_gpu *gpu;
	int nid = first_node(*nodes);

	if (nid >= MAX_NUMNODES) {
		pr_err("%s: the GPU's proximity domains have no NUMA node\n",
		       pci_name(pdev));
		return -EINVAL;
	}
	if (chip == NVGRACE_HOPPER) {
		reserved = NVGRACE_GH100_RESERVED;
		align = NVGRACE_GH100_ALIGN;
	}
	if (base + mem_size < base || !IS_ALIGNED(base, block)) {
		pr_err("%s: memory base 0x%llx size 0x%llx: the base is not aligned to the memory block size 0x%lx\n",
		       pci_name(pdev), base, mem_size, block);
		return -EINVAL;
	}
	size = mem_size > reserved ? ALIGN_DOWN(mem_size - reserved, align) : 0;
	if (!size) {
		pr_err("%s: nothing to online once RM keeps 0x%llx and the rest is aligned down to 0x%llx\n",
		       pci_name(pdev), reserved, align);
		return -EINVAL;
	}

	gpu = kzalloc(sizeof(*gpu), GFP_KERNEL);
	if (!gpu)
		return -ENOMEM;
	gpu->res_name = kstrdup(NVGRACE_RES_NAME, GFP_KERNEL);
	if (!gpu->res_name) {
		kfree(gpu);
		return -ENOMEM;
	}
	/* The driver's probe enables the GPU before it uses its BARs. */
	if (in_bar && pci_enable_device_mem(pdev)) {
		pr_err("%s: cannot enable the GPU's memory BARs\n",
		       pci_name(pdev));
		kfree(gpu->res_name);
		kfree(gpu);
		return -EIO;
	}
	gpu->enabled = in_bar;
	gpu->pdev = pci_dev_get(pdev);
	gpu->chip = chip;
	gpu->base = base;
	gpu->mem_size = mem_size;
	gpu->size = size;
	/* nv-pci.c:504-509: BAR2 only without base-pa; else it stays 0. */
	if (chip == NVGRACE_HOPPER && in_bar && nvgrace_bar_is_mem(pdev, 2))
		gpu->rsvd_pa = pci_resource_start(pdev, 2);
	gpu->piece = ALIGN(size / NVGRACE_NR_PIECES, block);
	gpu->nid = nid;
	list_add_tail(&gpu->list, &nvgrace_gpus);
	return 0;
}

/* NVIDIA's driver would leave the GPU unusable; the others go on. */
static void nvgrace_gpu_failed(struct pci_dev *pdev, int err)
{
	pr_err("%s: GPU memory not onlined (%d)\n", pci_name(pdev), err);
}

/* Returns the first GPU's error, after looking at every GPU. */
static int nvgrace_find_gpus(void)
{
	bool bar = !strcmp(mode, "bar"), in_bar;
	struct pci_dev *pdev = NULL;
	enum nvgrace_chip chip;
	int ret, err = 0;
	nodemask_t nodes;
	u64 base, size;

	while ((pdev = pci_get_device(PCI_VENDOR_ID_NVIDIA, PCI_ANY_ID, pdev))) {
		chip = nvgrace_chip(pdev);
		if (chip == NVGRACE_OTHER)
			continue;
		nodes = NODE_MASK_NONE;
		in_bar = bar;
		ret = bar ? nvgrace_read_bar(pdev, &base, &size, &nodes) :
		      nvgrace_read_dsd(pdev, &base, &size, &nodes, &in_bar);
		if (ret == -ENODEV)
			continue;
		if (!ret)
			ret = nvgrace_new_gpu(pdev, chip, base, size, &nodes,
					      in_bar);
		if (ret) {
			nvgrace_gpu_failed(pdev, ret);
			err = err ?: ret;
		}
	}
	return err;
}

static void nvgrace_free_gpu(struct nvgrace_gpu *gpu)
{
	list_del(&gpu->list);
	if (gpu->enabled)
		pci_disable_device(gpu->pdev);
	pci_dev_put(gpu->pdev);
	kfree(gpu->res_name);
	kfree(gpu);
}

static int nvgrace_add(struct nvgrace_gpu *gpu)
{
	u64 start, len;
	int ret;

	while (gpu->added < gpu->size) {
		start = gpu->base + gpu->added;
		len = min(gpu->piece, gpu->size - gpu->added);
		ret = add_memory_driver_managed(gpu->nid, start, len,
						gpu->res_name, MHP_NONE);
		if (ret) {
			pr_err("%s: adding [0x%llx-0x%llx] to node %d failed: %d\n",
			       pci_name(gpu->pdev), start, start + len - 1,
			       gpu->nid, ret);
			return ret;
		}
		gpu->added += len;
		cond_resched();
	}
	return 0;
}

/*
 * Offline and remove what nvgrace_add() added, in the same pieces: each is
 * an iomem resource of its own.  Returns 0 if everything went away; else
 * the resources left behind still use the name, which the caller must then
 * not free.
 */
static int nvgrace_remove(struct nvgrace_gpu *gpu)
{
	u64 end = gpu->added, start, left = 0;
	int ret, err = 0;

	while (end) {
		start = rounddown(end - 1, gpu->piece);
		ret = offline_and_remove_memory(gpu->base + start, end - start);
		if (ret) {
			pr_err("%s: cannot offline and remove [0x%llx-0x%llx]: %d\n",
			       pci_name(gpu->pdev), gpu->base + start,
			       gpu->base + end - 1, ret);
			left += end - start;
			err = ret;
		}
		end = start;
		cond_resched();
	}
	if (left)
		pr_err("%s: 0x%llx bytes of GPU memory stay online until reboot\n",
		       pci_name(gpu->pdev), left);
	gpu->added = 0;
	return err;
}

/* Every section of the range must be online, movable and on the node. */
static int nvgrace_check(struct nvgrace_gpu *gpu)
{
	unsigned long pfn = PHYS_PFN(gpu->base);
	unsigned long end = PHYS_PFN(gpu->base + gpu->size);
	const char *why;
	struct page *page;

	for (; pfn < end; pfn += PAGES_PER_SECTION) {
		page = pfn_to_online_page(pfn);
		if (!page)
			why = "is not online: set auto-online mode online_movable";
		else if (page_zonenum(page) != ZONE_MOVABLE)
			why = "is not in ZONE_MOVABLE";
		else if (page_to_nid(page) != gpu->nid)
			why = "is on another node";
		else
			continue;
		pr_err("%s: memory at 0x%llx %s\n", pci_name(gpu->pdev),
		       (u64)PFN_PHYS(pfn), why);
		return -EIO;
	}
	return 0;
}

/*
 * What the driver onlined, and where RM maps what it keeps of the memory
 * (kern_bus_gh100.c:1043-1136): on Hopper in a VM write-combined at
 * rsvd_mem_pa, on Blackwell cached at its place in the memory.
 */
static void nvgrace_report(const struct nvgrace_gpu *gpu)
{
	const char *name = pci_name(gpu->pdev);

	pr_info("%s: node %d base 0x%llx size 0x%llx online movable\n",
		name, gpu->nid, gpu->base, gpu->size);
	if (gpu->chip == NVGRACE_HOPPER)
		pr_info("%s: RM maps what it keeps write-combined from rsvd_mem_pa 0x%llx\n",
			name, gpu->rsvd_pa);
	else if (gpu->size < gpu->mem_size)
		pr_info("%s: RM keeps [0x%llx-0x%llx] cached\n", name,
			gpu->base + gpu->size, gpu->base + gpu->mem_size - 1);
}

static int __init nvgrace_mem_init(void)
{
	struct nvgrace_gpu *gpu, *tmp;
	int ret, err, online = 0;

	if (strcmp(mode, "dsd") && strcmp(mode, "bar")) {
		pr_err("mode \"%s\" is not supported: \"dsd\" or \"bar\"\n",
		       mode);
		return -EINVAL;
	}
	if (!strcmp(mode, "bar") &&
	    (bar_node < 0 || bar_node >= MAX_NUMNODES || !node_possible(bar_node))) {
		pr_err("mode=bar needs bar_node, a possible NUMA node\n");
		return -EINVAL;
	}

	err = nvgrace_find_gpus();
	if (list_empty(&nvgrace_gpus)) {
		if (!err)
			pr_err("no NVIDIA GPU memory to online (no self-hosted GPU that SRAT or a _DSD describes)\n");
		return err ?: -ENODEV;
	}

	ret = register_memory_notifier(&nvgrace_mem_nb);
	if (ret)
		goto out_free;

	list_for_each_entry(gpu, &nvgrace_gpus, list) {
		ret = nvgrace_add(gpu);
		if (!ret)
			ret = nvgrace_check(gpu);
		if (!ret) {
			nvgrace_report(gpu);
			online++;
			continue;
		}
		if (nvgrace_remove(gpu))
			gpu->res_name = NULL;	/* still in use */
		WRITE_ONCE(gpu->failed, true);
		nvgrace_gpu_failed(gpu->pdev, ret);
		err = err ?: ret;
	}
	if (online)
		return 0;
	unregister_memory_notifier(&nvgrace_mem_nb);
	ret = err;
out_free:
	list_for_each_entry_safe(gpu, tmp, &nvgrace_gpus, list)
		nvgrace_free_gpu(gpu);
	return ret;
}
module_init(nvgrace_mem_init);

static void __exit nvgrace_mem_exit(void)
{
	struct nvgrace_gpu *gpu, *tmp;

	list_for_each_entry(gpu, &nvgrace_gpus, list) {
		if (gpu->failed)
			continue;
		if (nvgrace_remove(gpu))
			gpu->res_name = NULL;	/* still in use */
		else
			pr_info("%s: node %d base 0x%llx size 0x%llx removed\n",
				pci_name(gpu->pdev), gpu->nid, gpu->base,
				gpu->size);
	}
	unregister_memory_notifier(&nvgrace_mem_nb);
	list_for_each_entry_safe(gpu, tmp, &nvgrace_gpus, list)
		nvgrace_free_gpu(gpu);
}
module_exit(nvgrace_mem_exit);

MODULE_DESCRIPTION("Online vfio-pci-nvgrace GPU memory as a movable NUMA node");
MODULE_AUTHOR("The vfio-pci-nvgrace authors");
MODULE_LICENSE("GPL");
