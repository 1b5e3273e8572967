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
 * and SRAT has a hot-pluggable memory affinity entry for that range on
 * pxm-start.  With the "driver-managed" policy the memory is not in the boot
 * memory map and a driver has to add it.  This module does what NVIDIA's
 * driver does for it:
 *
 *  - add_memory_driver_managed(node, ..., "System RAM (NVIDIA)", MHP_NONE)
 *    in pieces of ALIGN(size / 4, memory block size), yielding the CPU in
 *    between;
 *  - a memory notifier refuses to online any part of the range in a zone
 *    other than ZONE_MOVABLE, so that no unmovable kernel allocation can
 *    ever land in GPU memory and pin it;
 *  - afterwards the whole range must be online in ZONE_MOVABLE of the node,
 *    else it is offlined and removed again and loading fails.
 *
 * Onlining: Linux 6.1 offers a module no direct way to online a memory
 * block.  device_online(), lock_device_hotplug(), the memory subsystem's
 * bus and the default online type are not exported.  What a module can use
 * is add_memory_driver_managed() itself: it onlines every block it adds,
 * under the device hotplug lock, with the type set in
 * /sys/devices/system/memory/auto_online_blocks.  NVIDIA's driver relies on
 * exactly that and asks for "online_movable" there.  This module writes
 * "online_movable" to that file (through the VFS, from the context of the
 * process loading it, so /sys must be mounted) for the time of its
 * additions, and then writes back the previous value.  The store of that
 * file only sets a variable, takes no lock and cannot fail half-way.
 * Writing "online_movable" to each block's "state" file instead is not
 * used: that store takes the hotplug lock with a trylock that restarts the
 * system call when contended, which init_module() cannot handle.
 *
 * The module parameter "mode" selects where the memory is described: "dsd"
 * (the _DSD properties above), or "bar": the GPU's BAR4 on node
 * "bar_node", as NVIDIA's driver takes it in a VM whose firmware gives no
 * base address (the upstream design, plain vfio-pci), for comparison.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/acpi.h>
#include <linux/align.h>
#include <linux/math.h>
#include <linux/fs.h>
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
#include <linux/slab.h>
#include <linux/string.h>

#define NVGRACE_RES_NAME	"System RAM (NVIDIA)"
#define NVGRACE_NR_PIECES	4
#define NVGRACE_AUTO_ONLINE	"/sys/devices/system/memory/auto_online_blocks"
#define NVGRACE_MOVABLE		"online_movable"

static char *mode = "dsd";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode,
		 "Where the GPU memory is: \"dsd\" (the ACPI _DSD properties) or \"bar\" (BAR4, as NVIDIA's driver takes it in a VM without base-pa)");

/* In place of a proximity domain: the node is bar_node. */
#define NVGRACE_PXM_BAR_NODE	U64_MAX

static int bar_node = NUMA_NO_NODE;
module_param(bar_node, int, 0444);
MODULE_PARM_DESC(bar_node, "mode=bar: the NUMA node of the memory");

enum {
	NVGRACE_BASE,
	NVGRACE_SIZE,
	NVGRACE_PXM_START,
	NVGRACE_PXM_COUNT,
	NVGRACE_NR_PROPS,
};

static const char * const nvgrace_props[NVGRACE_NR_PROPS] = {
	[NVGRACE_BASE] = "nvidia,gpu-mem-base-pa",
	[NVGRACE_SIZE] = "nvidia,gpu-mem-size",
	[NVGRACE_PXM_START] = "nvidia,gpu-mem-pxm-start",
	[NVGRACE_PXM_COUNT] = "nvidia,gpu-mem-pxm-count",
};

struct nvgrace_gpu {
	struct list_head list;
	struct pci_dev *pdev;
	u64 base;
	u64 size;
	u64 piece;		/* bytes per add_memory_driver_managed() */
	u64 added;		/* bytes added so far, from base */
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
		if (end <= gpu->base || start >= gpu->base + gpu->size)
			continue;
		/* The pages are in their zone already at MEM_GOING_ONLINE. */
		if (page_zonenum(pfn_to_page(arg->start_pfn)) == ZONE_MOVABLE)
			return NOTIFY_OK;
		pr_err("%s: refusing to online [0x%llx-0x%llx] outside ZONE_MOVABLE\n",
		       pci_name(gpu->pdev), start, end - 1);
		return NOTIFY_BAD;
	}
	return NOTIFY_OK;
}

static struct notifier_block nvgrace_mem_nb = {
	.notifier_call = nvgrace_mem_notify,
};

static int nvgrace_sysfs_read(const char *path, char *buf, size_t len)
{
	struct file *file;
	loff_t pos = 0;
	ssize_t n;

	file = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	n = kernel_read(file, buf, len - 1, &pos);
	filp_close(file, NULL);
	if (n < 0)
		return n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int nvgrace_sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	struct file *file;
	loff_t pos = 0;
	ssize_t n;

	file = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	n = kernel_write(file, val, len, &pos);
	filp_close(file, NULL);
	if (n < 0)
		return n;
	return n == len ? 0 : -EIO;
}

/*
 * Make add_memory_driver_managed() online new blocks as movable.  Returns
 * true if @old holds a policy to restore afterwards.
 */
static bool nvgrace_policy_movable(char *old, size_t len)
{
	int ret;

	ret = nvgrace_sysfs_read(NVGRACE_AUTO_ONLINE, old, len);
	if (ret) {
		pr_warn("cannot read %s: %d (is sysfs mounted?)\n",
			NVGRACE_AUTO_ONLINE, ret);
		return false;
	}
	if (!strcmp(old, NVGRACE_MOVABLE))
		return false;
	ret = nvgrace_sysfs_write(NVGRACE_AUTO_ONLINE, NVGRACE_MOVABLE);
	if (ret) {
		pr_warn("cannot set %s to %s: %d\n", NVGRACE_AUTO_ONLINE,
			NVGRACE_MOVABLE, ret);
		return false;
	}
	return true;
}

static void nvgrace_policy_restore(const char *old)
{
	int ret;

	ret = nvgrace_sysfs_write(NVGRACE_AUTO_ONLINE, old);
	if (ret)
		pr_warn("cannot restore %s to %s: %d\n", NVGRACE_AUTO_ONLINE,
			old, ret);
}

/* Returns -ENODEV for a device that does not describe GPU memory. */
static int nvgrace_read_props(struct pci_dev *pdev, u64 *val)
{
	struct device *dev = &pdev->dev;
	int i, found = 0, ret;

	if (!has_acpi_companion(dev))
		return -ENODEV;
	for (i = 0; i < NVGRACE_NR_PROPS; i++)
		found += device_property_present(dev, nvgrace_props[i]);
	if (!found)
		return -ENODEV;

	for (i = 0; i < NVGRACE_NR_PROPS; i++) {
		ret = device_property_read_u64(dev, nvgrace_props[i], &val[i]);
		if (ret) {
			pr_err("%s: cannot read _DSD property %s: %d\n",
			       pci_name(pdev), nvgrace_props[i], ret);
			return -EINVAL;
		}
	}
	return 0;
}

static int nvgrace_new_gpu(struct pci_dev *pdev, const u64 *val)
{
	unsigned long block = memory_block_size_bytes();
	u64 base = val[NVGRACE_BASE], size = val[NVGRACE_SIZE];
	u64 pxm = val[NVGRACE_PXM_START];
	struct nvgrace_gpu *gpu;
	int nid;

	if (!size || base + size < base || !IS_ALIGNED(base, block) ||
	    !IS_ALIGNED(size, block)) {
		pr_err("%s: memory base 0x%llx size 0x%llx is empty or not aligned to the memory block size 0x%lx\n",
		       pci_name(pdev), base, size, block);
		return -EINVAL;
	}
	if ((pxm > INT_MAX && pxm != NVGRACE_PXM_BAR_NODE) ||
	    !val[NVGRACE_PXM_COUNT]) {
		pr_err("%s: bad proximity domains: start %llu count %llu\n",
		       pci_name(pdev), pxm, val[NVGRACE_PXM_COUNT]);
		return -EINVAL;
	}
	nid = pxm == NVGRACE_PXM_BAR_NODE ? bar_node : pxm_to_node(pxm);
	if (nid == NUMA_NO_NODE || !node_possible(nid)) {
		pr_err("%s: proximity domain %llu has no NUMA node (no SRAT entry?)\n",
		       pci_name(pdev), pxm);
		return -EINVAL;
	}
	/* Memory the firmware gave the guest as boot RAM (online=boot). */
	if (region_intersects(base, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_info("%s: node %d base 0x%llx size 0x%llx already online\n",
			pci_name(pdev), nid, base, size);
		return 0;
	}

	gpu = kzalloc(sizeof(*gpu), GFP_KERNEL);
	if (!gpu)
		return -ENOMEM;
	gpu->res_name = kstrdup(NVGRACE_RES_NAME, GFP_KERNEL);
	if (!gpu->res_name) {
		kfree(gpu);
		return -ENOMEM;
	}
	gpu->pdev = pci_dev_get(pdev);
	gpu->base = base;
	gpu->size = size;
	gpu->piece = ALIGN(size / NVGRACE_NR_PIECES, block);
	gpu->nid = nid;
	list_add_tail(&gpu->list, &nvgrace_gpus);
	return 0;
}

/*
 * mode=bar: the memory is the GPU's BAR4, as NVIDIA's driver takes it in a
 * VM when the _DSD gives no base address (the upstream nvgrace-gpu design
 * with plain vfio-pci).  The node comes from bar_node.
 */
static int nvgrace_read_bar(struct pci_dev *pdev, u64 *val)
{
	if (!pci_resource_len(pdev, 4) ||
	    !(pci_resource_flags(pdev, 4) & IORESOURCE_MEM))
		return -ENODEV;
	val[NVGRACE_BASE] = pci_resource_start(pdev, 4);
	val[NVGRACE_SIZE] = pci_resource_len(pdev, 4);
	val[NVGRACE_PXM_START] = NVGRACE_PXM_BAR_NODE;
	val[NVGRACE_PXM_COUNT] = 1;
	return 0;
}

static int nvgrace_find_gpus(void)
{
	struct pci_dev *pdev = NULL;
	u64 val[NVGRACE_NR_PROPS];
	int ret;

	while ((pdev = pci_get_device(PCI_VENDOR_ID_NVIDIA, PCI_ANY_ID, pdev))) {
		ret = strcmp(mode, "bar") ? nvgrace_read_props(pdev, val) :
		      nvgrace_read_bar(pdev, val);
		if (ret == -ENODEV)
			continue;
		if (!ret)
			ret = nvgrace_new_gpu(pdev, val);
		if (ret) {
			pci_dev_put(pdev);
			return ret;
		}
	}
	return 0;
}

static void nvgrace_free_gpu(struct nvgrace_gpu *gpu)
{
	list_del(&gpu->list);
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
			why = "is not online (auto-onlining off and not settable?)";
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

static int __init nvgrace_mem_init(void)
{
	struct nvgrace_gpu *gpu, *tmp;
	char policy[32];
	bool restore;
	int ret;

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

	ret = nvgrace_find_gpus();
	if (ret)
		goto out_free;
	if (list_empty(&nvgrace_gpus)) {
		pr_err("no NVIDIA GPU memory to online (no GPU with nvidia,gpu-mem-* _DSD properties, or all online already)\n");
		return -ENODEV;
	}

	ret = register_memory_notifier(&nvgrace_mem_nb);
	if (ret)
		goto out_free;

	restore = nvgrace_policy_movable(policy, sizeof(policy));
	list_for_each_entry(gpu, &nvgrace_gpus, list) {
		ret = nvgrace_add(gpu);
		if (ret)
			break;
	}
	if (restore)
		nvgrace_policy_restore(policy);
	if (ret)
		goto out_remove;

	list_for_each_entry(gpu, &nvgrace_gpus, list) {
		ret = nvgrace_check(gpu);
		if (ret)
			goto out_remove;
	}

	list_for_each_entry(gpu, &nvgrace_gpus, list)
		pr_info("%s: node %d base 0x%llx size 0x%llx online movable\n",
			pci_name(gpu->pdev), gpu->nid, gpu->base, gpu->size);
	return 0;

out_remove:
	list_for_each_entry(gpu, &nvgrace_gpus, list)
		if (nvgrace_remove(gpu))
			gpu->res_name = NULL;	/* still in use */
	unregister_memory_notifier(&nvgrace_mem_nb);
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
