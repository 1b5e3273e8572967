// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gpumem: guest-side test program for vfio-pci-nvgrace GPU memory.
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * A static arm64 program for the test initramfs.  It needs no libnuma: it
 * makes the mbind and move_pages system calls itself.  Each result is one
 * line of space-separated key=value words; errors go to stderr.  The exit
 * status is 0 on success, 1 on any error or mismatch, 2 on bad usage.
 * Numbers (<MiB>, <seed>, <bytes>, ...) are decimal or 0x-prefixed hex;
 * <phys_base_hex> is hex with or without 0x.
 *
 *   gpumem nodes
 *     One line per online node (/sys/devices/system/node/node<n>), by node:
 *       node=<n> cpus=<cpulist or -> total_kib=<MemTotal> free_kib=<MemFree>
 *       movable_kib=<present pages of zone Movable of the node, in KiB>
 *
 *   gpumem fill <node> <MiB> <seed>
 *     Maps MiB of anonymous memory, binds it to <node> (MPOL_BIND with
 *     MPOL_MF_STRICT | MPOL_MF_MOVE), touches it, asks move_pages() where
 *     each page is, writes pattern(seed, i) to 8-byte word i of the buffer
 *     (i counts from 0 at the start of the buffer) and reads it back:
 *       pages_on_node=<pages on node> pages=<pages>
 *       verified=<words> errors=<mismatching words>
 *
 *   gpumem bw <node> <MiB> <reps>
 *     Bandwidth of memory bound as above, best of <reps>, in MiB/s: memset
 *     of the buffer, memcpy of its first half to its second half (counted
 *     as the bytes copied, MiB/2), and reading it (sum of 8-byte loads):
 *       node=<n> memset_mibs=<x> memcpy_mibs=<y> read_mibs=<z>
 *
 *   gpumem dio-read <node> <path> <MiB> <seed>
 *     Reads MiB from the start of <path> (a block device) with O_DIRECT,
 *     in 1 MiB requests, into a buffer bound to <node> as above: the
 *     device's DMA writes the GPU node's memory.  Word i of the device
 *     must hold pattern(seed, i).  Prints
 *       pages_on_node=<pages on node> pages=<pages>
 *       node=<n> bytes=<n> dio_mibs=<MiB/s> errors=<mismatching words>
 *
 *   gpumem dio-write <node> <path> <MiB> <seed> <at_MiB>
 *     The other way: writes pattern(seed, i) to word i of a buffer bound
 *     to <node>, then writes the buffer with O_DIRECT in 1 MiB requests to
 *     <path> from byte at_MiB * 1 MiB on, and fsyncs: the device's DMA
 *     reads the GPU node's memory.  Prints
 *       pages_on_node=<pages on node> pages=<pages>
 *       node=<n> bytes=<n> dio_mibs=<MiB/s>
 *
 *   gpumem node-fill <node> <seed> [hold_seconds]
 *     Binds an anonymous mapping to <node> and fills it in 2 MiB steps, up
 *     to the node's MemFree less 16 MiB and 1/32 of the node.  The pattern is keyed by physical
 *     address (needs root for /proc/self/pagemap): the word at physical
 *     address P gets pattern(seed, P / 8).  Prints
 *       bytes=<n> pages=<k> min_phys=0x<hex> max_phys=0x<hex>
 *       pages_on_node=<pages on node> pages=<pages>
 *       verified=<words> errors=<mismatching words> moved=<pages>
 *     min_phys and max_phys are the lowest and highest byte addresses
 *     written (both inclusive); moved counts pages whose physical address
 *     changed between writing and verifying (kernel page migration), which
 *     makes a host-side check of those pages meaningless.  With
 *     hold_seconds (at most 86400) the memory is kept for that long after
 *     the last line, so that the host can check the memory behind the node
 *     meanwhile.
 *
 *   gpumem devmem-fill <phys_base_hex> <bytes> <seed>
 *   gpumem devmem-check <phys_base_hex> <bytes> <seed>
 *     Map [phys_base, phys_base + bytes) of /dev/mem (O_RDWR, no O_SYNC)
 *     and write then verify, or only verify, the same physical-address
 *     keyed pattern as node-fill: the word at physical address P holds
 *     pattern(seed, P / 8).  phys_base and bytes must be multiples of 8.
 *     Prints
 *       verified=<words> errors=<n> first_error=<offset or -1> seconds=<t>
 *     where t is how long the accesses took (a first touch that waits for
 *     the host shows here).
 *       verified=<words> errors=<mismatching words> first_error=<byte offset
 *       of the first mismatch from phys_base, in decimal, or -1>
 *     These are meant for GPU memory that is NOT onlined: with
 *     CONFIG_STRICT_DEVMEM (as in Debian's kernel) /dev/mem refuses System
 *     RAM, which includes onlined GPU memory ("System RAM (NVIDIA)").
 *     Onlined memory is tested through a node binding (fill, node-fill).
 *     Note that arm64 maps /dev/mem pages that are not memblock memory as
 *     Device-nGnRnE whether or not O_SYNC is given, so each word is
 *     accessed exactly once as an aligned 64-bit access (volatile).
 *
 * The pattern, for the host to compute as well (all arithmetic modulo
 * 2^64, words stored little-endian):
 *
 *   pattern(seed, i) = (seed * 0x9E3779B97F4A7C15) XOR i
 *
 * A word written with one seed also matches when verified with the same
 * seed later, so use a fresh seed for each run that must prove new writes.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* System call numbers of the generic table, used by arm64. */
#ifndef SYS_mbind
#define SYS_mbind		235
#endif
#ifndef SYS_move_pages
#define SYS_move_pages		239
#endif
#ifdef __aarch64__
_Static_assert(SYS_mbind == 235 && SYS_move_pages == 239,
	       "unexpected arm64 system call numbers");
#endif

/* From <linux/mempolicy.h>. */
#define MPOL_BIND		2
#define MPOL_MF_STRICT		(1 << 0)
#define MPOL_MF_MOVE		(1 << 1)

#define MASK_BITS		1024	/* node mask size passed to the kernel */
#define LONG_BITS		(8 * sizeof(unsigned long))
#define MIB			(1024ULL * 1024)
#define STEP			(2 * MIB)
/*
 * What node-fill leaves free: the kernel keeps each zone's watermarks free
 * (min_free_kbytes, shared among zones by size, and a little more), and
 * filling past them OOM-kills the filler.  16 MiB plus 1/32 of the node.
 */
#define HEADROOM		(16 * MIB)
#define HEADROOM_SHARE		32
#define PM_PRESENT		(1ULL << 63)
#define PM_PFN_MASK		((1ULL << 55) - 1)

static const char *prog = "gpumem";

static uint64_t pattern(uint64_t seed, uint64_t i)
{
	return (seed * 0x9E3779B97F4A7C15ULL) ^ i;
}

static void barrier(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static int fail(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	return 1;
}

/* base 0: decimal, or hex with a 0x prefix (never octal). */
static int parse_u64(const char *s, int base, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	if (!base)
		base = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
	errno = 0;
	*v = strtoull(s, &end, base);
	return (errno || *end) ? -1 : 0;
}

static int parse_node(const char *s, int *node)
{
	uint64_t v;

	if (parse_u64(s, 10, &v) || v >= MASK_BITS)
		return -1;
	*node = (int)v;
	return 0;
}

static long sys_mbind(void *addr, unsigned long len, int mode,
		      const unsigned long *mask, unsigned long maxnode,
		      unsigned int flags)
{
	return syscall(SYS_mbind, addr, len, mode, mask, maxnode, flags);
}

static long sys_move_pages(unsigned long count, void **pages,
			   const int *nodes, int *status, int flags)
{
	return syscall(SYS_move_pages, 0, count, pages, nodes, status, flags);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads a small file into buf without its trailing newline. */
static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* A field of /sys/devices/system/node/node<n>/meminfo, in KiB. */
static int node_meminfo(int node, const char *key, uint64_t *kib)
{
	char path[96], line[256], *p;
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo",
		 node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, key);
		if (p && p[strlen(key)] == ':') {
			*kib = strtoull(p + strlen(key) + 1, NULL, 10);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* Present pages of a zone of a node, from /proc/zoneinfo; 0 if none. */
static uint64_t zone_present(int node, const char *zone)
{
	char line[256], name[32];
	unsigned long long v;
	uint64_t present = 0;
	int n, in = 0;
	FILE *f;

	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %31s", &n, name) == 2) {
			in = n == node && !strcmp(name, zone);
			continue;
		}
		if (in && sscanf(line, " present %llu", &v) == 1) {
			present = v;
			in = 0;
		}
	}
	fclose(f);
	return present;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int cmd_nodes(void)
{
	uint64_t page_kib = sysconf(_SC_PAGESIZE) / 1024;
	int nodes[MASK_BITS], count = 0, i, n;
	char path[96], cpus[1024], tail;
	uint64_t total, free_kib;
	struct dirent *de;
	DIR *d;

	d = opendir("/sys/devices/system/node");
	if (!d)
		return fail("/sys/devices/system/node");
	while ((de = readdir(d)) && count < MASK_BITS)
		if (sscanf(de->d_name, "node%d%c", &n, &tail) == 1 && n >= 0)
			nodes[count++] = n;
	closedir(d);
	qsort(nodes, count, sizeof(nodes[0]), cmp_int);

	for (i = 0; i < count; i++) {
		n = nodes[i];
		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/cpulist", n);
		if (read_text(path, cpus, sizeof(cpus)) || !cpus[0])
			strcpy(cpus, "-");
		if (node_meminfo(n, "MemTotal", &total) ||
		    node_meminfo(n, "MemFree", &free_kib)) {
			fprintf(stderr, "%s: no meminfo for node %d\n", prog, n);
			return 1;
		}
		printf("node=%d cpus=%s total_kib=%" PRIu64 " free_kib=%" PRIu64
		       " movable_kib=%" PRIu64 "\n", n, cpus, total, free_kib,
		       zone_present(n, "Movable") * page_kib);
	}
	return 0;
}

/* Anonymous memory bound to a node; NULL (after a message) on failure. */
static void *map_bound(int node, size_t len, int mmap_flags,
		       unsigned int mbind_flags)
{
	unsigned long mask[MASK_BITS / LONG_BITS] = { 0 };
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | mmap_flags, -1, 0);
	if (p == MAP_FAILED) {
		fail("mmap");
		return NULL;
	}
	mask[node / LONG_BITS] |= 1UL << (node % LONG_BITS);
	/* maxnode counts one more than the bits the kernel reads. */
	if (sys_mbind(p, len, MPOL_BIND, mask, MASK_BITS + 1, mbind_flags)) {
		fail("mbind");
		munmap(p, len);
		return NULL;
	}
	return p;
}

/* Counts the pages of [p, p + len) that move_pages() finds on node. */
static int pages_on_node(char *p, size_t len, int node, size_t *on,
			 size_t *pages)
{
	enum { BATCH = 4096 };
	size_t ps = sysconf(_SC_PAGESIZE), n = len / ps, i, j, k;
	void *addr[BATCH];
	int status[BATCH];

	*on = 0;
	*pages = n;
	for (i = 0; i < n; i += k) {
		k = n - i < BATCH ? n - i : BATCH;
		for (j = 0; j < k; j++)
			addr[j] = p + (i + j) * ps;
		if (sys_move_pages(k, addr, NULL, status, 0))
			return fail("move_pages");
		for (j = 0; j < k; j++)
			*on += status[j] == node;
	}
	return 0;
}

/*
 * @len bytes bound to @node and touched; prints where the pages are as
 *   pages_on_node=<pages on node> pages=<pages>
 * NULL on error.
 */
static uint64_t *map_touched(int node, size_t len, bool *on_node)
{
	uint64_t *buf = map_bound(node, len, 0, MPOL_MF_STRICT | MPOL_MF_MOVE);
	size_t on, pages;

	if (!buf)
		return NULL;
	memset(buf, 0, len);
	if (pages_on_node((char *)buf, len, node, &on, &pages)) {
		munmap(buf, len);
		return NULL;
	}
	printf("pages_on_node=%zu pages=%zu\n", on, pages);
	*on_node = on == pages;
	return buf;
}

static int cmd_fill(int node, uint64_t mib, uint64_t seed)
{
	size_t len = mib * MIB, n = len / 8, i, errors = 0;
	uint64_t *buf;
	bool on_node;

	if (!mib)
		return 2;
	buf = map_touched(node, len, &on_node);
	if (!buf)
		return 1;

	for (i = 0; i < n; i++)
		buf[i] = pattern(seed, i);
	barrier();
	for (i = 0; i < n; i++)
		errors += buf[i] != pattern(seed, i);
	printf("verified=%zu errors=%zu\n", n, errors);
	munmap(buf, len);
	return (!on_node || errors) ? 1 : 0;
}

static int cmd_bw(int node, uint64_t mib, uint64_t reps)
{
	size_t len = mib * MIB, half = len / 2, n = len / 8, i, on, pages;
	double t, best_set = 0, best_cpy = 0, best_rd = 0, mibs;
	volatile uint64_t sink;
	uint64_t r, sum, *buf;

	if (!mib || !reps)
		return 2;
	buf = map_bound(node, len, 0, MPOL_MF_STRICT | MPOL_MF_MOVE);
	if (!buf)
		return 1;
	memset(buf, 1, len);
	if (pages_on_node((char *)buf, len, node, &on, &pages))
		return 1;
	if (on != pages) {
		fprintf(stderr, "%s: only %zu of %zu pages on node %d\n",
			prog, on, pages, node);
		return 1;
	}

	for (r = 0; r < reps; r++) {
		t = now();
		memset(buf, (int)r, len);
		barrier();
		mibs = len / MIB / (now() - t);
		best_set = mibs > best_set ? mibs : best_set;

		t = now();
		memcpy((char *)buf + half, buf, half);
		barrier();
		mibs = (double)half / MIB / (now() - t);
		best_cpy = mibs > best_cpy ? mibs : best_cpy;

		t = now();
		sum = 0;
		for (i = 0; i < n; i++)
			sum += buf[i];
		sink = sum;
		mibs = len / MIB / (now() - t);
		best_rd = mibs > best_rd ? mibs : best_rd;
	}
	(void)sink;
	printf("node=%d memset_mibs=%.1f memcpy_mibs=%.1f read_mibs=%.1f\n",
	       node, best_set, best_cpy, best_rd);
	munmap(buf, len);
	return 0;
}

/* Physical frame numbers of count pages from virtual address va. */
static int read_pfns(int fd, uintptr_t va, size_t count, uint64_t *pfn)
{
	size_t ps = sysconf(_SC_PAGESIZE), i;
	off_t off = (off_t)(va / ps) * 8;
	ssize_t n;

	n = pread(fd, pfn, count * 8, off);
	if (n != (ssize_t)(count * 8))
		return fail("read /proc/self/pagemap");
	for (i = 0; i < count; i++) {
		if (!(pfn[i] & PM_PRESENT) || !(pfn[i] & PM_PFN_MASK)) {
			fprintf(stderr, "%s: no frame number for a page (root?)\n",
				prog);
			return 1;
		}
		pfn[i] &= PM_PFN_MASK;
	}
	return 0;
}

static int cmd_node_fill(int node, uint64_t seed, uint64_t hold)
{
	size_t ps = sysconf(_SC_PAGESIZE), words = ps / 8, per_step = STEP / ps;
	uint64_t free_kib, total_kib, headroom, len, npages, i, w, key;
	uint64_t min_phys = UINT64_MAX, max_phys = 0, *pfn, *now_pfn;
	uint64_t errors = 0, moved = 0;
	size_t on, pages;
	char *buf;
	int fd;

	if (node_meminfo(node, "MemFree", &free_kib) ||
	    node_meminfo(node, "MemTotal", &total_kib)) {
		fprintf(stderr, "%s: no meminfo for node %d\n", prog, node);
		return 1;
	}
	headroom = HEADROOM + total_kib * 1024 / HEADROOM_SHARE;
	if (free_kib * 1024 <= headroom + STEP) {
		fprintf(stderr, "%s: node %d has only %" PRIu64 " KiB free\n",
			prog, node, free_kib);
		return 1;
	}
	len = (free_kib * 1024 - headroom) / STEP * STEP;
	npages = len / ps;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return fail("/proc/self/pagemap");
	pfn = malloc(npages * sizeof(*pfn));
	now_pfn = malloc(per_step * sizeof(*now_pfn));
	if (!pfn || !now_pfn)
		return fail("malloc");
	buf = map_bound(node, len, MAP_NORESERVE, 0);
	if (!buf)
		return 1;

	for (i = 0; i < npages; i++) {
		volatile uint64_t *page = (uint64_t *)(buf + i * ps);

		/* Fault in a 2 MiB step, then learn where its pages are. */
		if (i % per_step == 0) {
			for (w = i; w < i + per_step; w++)
				((volatile char *)buf)[w * ps] = 0;
			if (read_pfns(fd, (uintptr_t)(buf + i * ps), per_step,
				      pfn + i))
				return 1;
		}
		key = pfn[i] * ps / 8;
		for (w = 0; w < words; w++)
			page[w] = pattern(seed, key + w);
		min_phys = pfn[i] * ps < min_phys ? pfn[i] * ps : min_phys;
		max_phys = pfn[i] * ps + ps - 1 > max_phys ?
			   pfn[i] * ps + ps - 1 : max_phys;
	}
	printf("bytes=%" PRIu64 " pages=%" PRIu64 " min_phys=0x%" PRIx64
	       " max_phys=0x%" PRIx64 "\n", len, npages, min_phys, max_phys);

	if (pages_on_node(buf, len, node, &on, &pages))
		return 1;
	printf("pages_on_node=%zu pages=%zu\n", on, pages);

	barrier();
	for (i = 0; i < npages; i++) {
		const volatile uint64_t *page = (uint64_t *)(buf + i * ps);

		if (i % per_step == 0 &&
		    read_pfns(fd, (uintptr_t)(buf + i * ps), per_step, now_pfn))
			return 1;
		moved += now_pfn[i % per_step] != pfn[i];
		/* The data moves with a page: check against the first key. */
		key = pfn[i] * ps / 8;
		for (w = 0; w < words; w++)
			errors += page[w] != pattern(seed, key + w);
	}
	printf("verified=%" PRIu64 " errors=%" PRIu64 " moved=%" PRIu64 "\n",
	       npages * words, errors, moved);
	fflush(stdout);
	if (hold)
		sleep((unsigned int)hold);
	close(fd);
	return (on != pages || errors || moved) ? 1 : 0;
}

static int cmd_devmem(int write, uint64_t phys, uint64_t bytes, uint64_t seed)
{
	uint64_t ps = sysconf(_SC_PAGESIZE), n = bytes / 8, i, errors = 0;
	uint64_t start = phys & ~(ps - 1), delta = phys - start;
	int64_t first = -1;
	volatile uint64_t *w;
	void *map;
	double t;
	int fd;

	if (!bytes || phys % 8 || bytes % 8) {
		fprintf(stderr, "%s: base and size must be multiples of 8\n",
			prog);
		return 2;
	}
	fd = open("/dev/mem", O_RDWR);
	if (fd < 0)
		return fail("/dev/mem");
	map = mmap(NULL, delta + bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)start);
	if (map == MAP_FAILED)
		return fail("mmap /dev/mem");
	w = (volatile uint64_t *)((char *)map + delta);

	t = now();
	if (write)
		for (i = 0; i < n; i++)
			w[i] = pattern(seed, phys / 8 + i);
	for (i = 0; i < n; i++) {
		if (w[i] != pattern(seed, phys / 8 + i)) {
			if (!errors)
				first = (int64_t)(i * 8);
			errors++;
		}
	}
	t = now() - t;
	printf("verified=%" PRIu64 " errors=%" PRIu64 " first_error=%" PRId64
	       " seconds=%.3f\n", n, errors, first, t);
	munmap(map, delta + bytes);
	close(fd);
	return errors ? 1 : 0;
}

/* dio-read and dio-write: O_DIRECT I/O between <path> and a node's buffer. */
static int cmd_dio(bool write, int node, const char *path, uint64_t mib,
		   uint64_t seed, uint64_t at_mib)
{
	size_t len = mib * MIB, n = len / 8, i, errors = 0, done = 0;
	uint64_t *buf;
	bool on_node;
	double t;
	ssize_t r;
	int fd;

	if (!mib)
		return 2;
	buf = map_touched(node, len, &on_node);
	if (!buf)
		return 1;
	for (i = 0; write && i < n; i++)
		buf[i] = pattern(seed, i);
	fd = open(path, (write ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0)
		return fail(path);
	t = now();
	while (done < len) {
		char *p = (char *)buf + done;
		off_t off = at_mib * MIB + done;

		r = write ? pwrite(fd, p, MIB, off) : pread(fd, p, MIB, off);
		if (r <= 0) {
			close(fd);
			return fail(write ? "O_DIRECT write" : "O_DIRECT read");
		}
		done += r;
	}
	if (write && fsync(fd)) {
		close(fd);
		return fail("fsync");
	}
	t = now() - t;
	close(fd);
	printf("node=%d bytes=%zu dio_mibs=%.1f", node, done, len / MIB / t);
	if (!write) {
		for (i = 0; i < n; i++)
			errors += buf[i] != pattern(seed, i);
		printf(" errors=%zu", errors);
	}
	printf("\n");
	munmap(buf, len);
	return (!on_node || errors) ? 1 : 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: %s nodes\n"
		"       %s fill <node> <MiB> <seed>\n"
		"       %s bw <node> <MiB> <reps>\n"
		"       %s node-fill <node> <seed> [hold_seconds]\n"
		"       %s dio-read <node> <path> <MiB> <seed>\n"
		"       %s dio-write <node> <path> <MiB> <seed> <at_MiB>\n"
		"       %s devmem-fill <phys_base_hex> <bytes> <seed>\n"
		"       %s devmem-check <phys_base_hex> <bytes> <seed>\n",
		prog, prog, prog, prog, prog, prog, prog, prog);
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	uint64_t a, b, c = 0;
	int node;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "nodes") && argc == 2)
		return cmd_nodes();
	if ((!strcmp(cmd, "fill") || !strcmp(cmd, "bw")) && argc == 5) {
		if (parse_node(argv[2], &node) || parse_u64(argv[3], 0, &a) ||
		    parse_u64(argv[4], 0, &b) || a > (SIZE_MAX >> 20))
			return usage();
		return cmd[0] == 'f' ? cmd_fill(node, a, b) : cmd_bw(node, a, b);
	}
	if (!strcmp(cmd, "dio-read") && argc == 6) {
		if (parse_node(argv[2], &node) || parse_u64(argv[4], 0, &a) ||
		    parse_u64(argv[5], 0, &b) || a > (SIZE_MAX >> 20))
			return usage();
		return cmd_dio(false, node, argv[3], a, b, 0);
	}
	if (!strcmp(cmd, "dio-write") && argc == 7) {
		if (parse_node(argv[2], &node) || parse_u64(argv[4], 0, &a) ||
		    parse_u64(argv[5], 0, &b) || parse_u64(argv[6], 0, &c) ||
		    a > (SIZE_MAX >> 20) || c > (SIZE_MAX >> 20))
			return usage();
		return cmd_dio(true, node, argv[3], a, b, c);
	}
	if (!strcmp(cmd, "node-fill") && (argc == 4 || argc == 5)) {
		if (parse_node(argv[2], &node) || parse_u64(argv[3], 0, &a) ||
		    (argc == 5 && (parse_u64(argv[4], 0, &c) || c > 86400)))
			return usage();
		return cmd_node_fill(node, a, c);
	}
	if ((!strcmp(cmd, "devmem-fill") || !strcmp(cmd, "devmem-check")) &&
	    argc == 5) {
		if (parse_u64(argv[2], 16, &a) || parse_u64(argv[3], 0, &b) ||
		    parse_u64(argv[4], 0, &c))
			return usage();
		return cmd_devmem(!strcmp(cmd, "devmem-fill"), a, b, c);
	}
	return usage();
}
