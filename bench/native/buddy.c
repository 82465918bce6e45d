/*
 * A native buddy allocator of the same Linux design as faultline's kernel
 * (assembly/mm/page_alloc.ts), the baseline for `npm run bench`: zones
 * DMA and DMA32 with free_area[MAX_ORDER].free_list[MIGRATE_TYPES] threaded
 * through a mem_map of struct page, per-cpu lists for orders <= 3 refilled
 * in `batch` and drained above `high`, watermark checks with lowmem_reserve,
 * a zonelist walk, expand() and __free_one_page() merging by pfn arithmetic.
 * Like the kernel's release build it checks the head of each block it frees
 * and clears every page's flags (free_pages_prepare), looks
 * up the pageblock's migratetype for the free lists, and decodes the gfp
 * mask's zone and migratetype. Movable allocations only (the benchmark's
 * workloads), so no fallback. alloc_pages and free_pages stay out of line
 * and opaque to their caller (noipa), as Linux's __alloc_pages and
 * __free_pages and the kernel's are: gcc would otherwise fold the whole
 * allocator into the replay loop, or (noinline alone) clone alloc_pages for
 * the loop's constant gfp and decode the gfp mask at compile time.
 *
 * Usage: buddy RAM_PAGES RESERVED_BOTTOM RESERVED_TOP WORKLOAD N SEED
 * Boots RAM_PAGES pages (the bottom and top pages kept reserved, as the
 * wasm kernel's image and memblock allocations are), generates the
 * workload's operations (int32 pairs: order | FREE << 16, slot), replays
 * them and prints "checksum boot_ns ops_ns largest_free_order".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ORDER 11
#define MIGRATE_TYPES 4
#define MIGRATE_MOVABLE 1
#define MIGRATE_PCPTYPES 3
#define PAGE_ALLOC_COSTLY_ORDER 3
#define NR_PCP_LISTS (MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))
#define NR_ZONES 2
#define MAX_DMA_PFN 4096u
#define PG_reserved (1u << 1)
#define PG_buddy (1u << 2)
#define PG_pcp (1u << 9)
#define OP_FREE (1 << 16)

struct list_head { struct list_head *next, *prev; };

struct page {
	uint32_t flags;          /* PG_* | zone << 24 */
	int32_t refcount;
	struct list_head lru;
	uint16_t private_;
	int16_t mapcount;
};

struct free_area { struct list_head free_list[MIGRATE_TYPES]; unsigned long nr_free; };

struct per_cpu_pages {
	int count, high, batch, free_factor;
	struct list_head lists[NR_PCP_LISTS];
};

struct zone {
	unsigned long wmark_min, wmark_low, lowmem_reserve[NR_ZONES];
	unsigned long start_pfn, spanned, managed;
	long nr_free_pages;
	struct free_area free_area[MAX_ORDER];
	struct per_cpu_pages pcp;
	int idx;
};

static struct page *mem_map;
static unsigned long max_pfn;
static struct zone zones[NR_ZONES];
static unsigned long pgalloc, pgfree;

static inline void INIT_LIST_HEAD(struct list_head *h) { h->next = h->prev = h; }
static inline int list_empty(const struct list_head *h) { return h->next == h; }
static inline void __list_add(struct list_head *n, struct list_head *prev, struct list_head *next)
{
	next->prev = n; n->next = next; n->prev = prev; prev->next = n;
}
static inline void list_add(struct list_head *n, struct list_head *h) { __list_add(n, h, h->next); }
static inline void list_add_tail(struct list_head *n, struct list_head *h) { __list_add(n, h->prev, h); }
static inline void list_del(struct list_head *e) { e->next->prev = e->prev; e->prev->next = e->next; }
#define lru_to_page(p) ((struct page *)((char *)(p) - offsetof(struct page, lru)))

#define pageblock_order 9
static uint8_t *pageblock_mt;   /* one byte per pageblock */

#define GFP_HIGHUSER_MOVABLE 0x100cca
#define GFP_ZONEMASK 0x0f
/* gfp_zone for the combinations the benchmark uses: HIGHMEM|MOVABLE -> ZONE_MOVABLE (3) */
static const uint8_t gfp_zone_table[16] = { 2, 0, 2, 1, 2, 0, 3, 1 };
static inline int gfp_zone(unsigned gfp) { return gfp_zone_table[gfp & GFP_ZONEMASK]; }
static inline int gfp_migratetype(unsigned gfp) { return (gfp & 0x18) >> 3; }

static inline unsigned long page_to_pfn(struct page *p) { return (unsigned long)(p - mem_map); }
static inline struct zone *page_zone(struct page *p) { return &zones[(p->flags >> 24) & 3]; }

static inline void add_to_free_list(struct page *p, struct zone *z, unsigned order, int mt, int tail)
{
	struct free_area *a = &z->free_area[order];
	if (tail) list_add_tail(&p->lru, &a->free_list[mt]);
	else list_add(&p->lru, &a->free_list[mt]);
	a->nr_free++;
}

static inline void del_page_from_free_list(struct page *p, struct zone *z, unsigned order)
{
	list_del(&p->lru);
	p->flags &= ~PG_buddy;
	p->private_ = 0;
	z->free_area[order].nr_free--;
}

static inline int page_is_buddy(struct page *p, struct page *b, unsigned order)
{
	return (b->flags & PG_buddy) && b->private_ == order && ((b->flags ^ p->flags) >> 24 & 3) == 0;
}

static void __free_one_page(struct page *page, unsigned long pfn, struct zone *z, unsigned order, int mt, int to_tail)
{
	z->nr_free_pages += 1L << order;
	while (order < MAX_ORDER - 1) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		if (buddy_pfn >= max_pfn) break;
		struct page *buddy = &mem_map[buddy_pfn];
		if (!page_is_buddy(page, buddy, order)) break;
		del_page_from_free_list(buddy, z, order);
		pfn &= buddy_pfn;
		page = &mem_map[pfn];
		order++;
	}
	page->private_ = order;
	page->flags |= PG_buddy;
	if (!to_tail && order < MAX_ORDER - 2) {
		unsigned long higher = pfn & ~((2UL << order) - 1);
		unsigned long hb = higher ^ (2UL << order);
		to_tail = hb < max_pfn && page_is_buddy(page, &mem_map[hb], order + 1);
	}
	add_to_free_list(page, z, order, mt, to_tail);
}

static inline void expand(struct zone *z, struct page *page, unsigned low, unsigned high, int mt)
{
	unsigned long size = 1UL << high;
	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_list(&page[size], z, high, mt, 0);
		page[size].private_ = high;
		page[size].flags |= PG_buddy;
	}
}

static struct page *__rmqueue_smallest(struct zone *z, unsigned order, int mt)
{
	for (unsigned o = order; o < MAX_ORDER; o++) {
		struct list_head *h = &z->free_area[o].free_list[mt];
		if (list_empty(h)) continue;
		struct page *p = lru_to_page(h->next);
		del_page_from_free_list(p, z, o);
		expand(z, p, order, o, mt);
		p->private_ = mt;
		return p;
	}
	return NULL;
}

static int rmqueue_bulk(struct zone *z, unsigned order, int count, struct list_head *list, int mt)
{
	int i;
	for (i = 0; i < count; i++) {
		struct page *p = __rmqueue_smallest(z, order, mt);
		if (!p) break;
		list_add_tail(&p->lru, list);
		p->flags |= PG_pcp;
	}
	z->nr_free_pages -= (long)i << order;
	return i;
}

static struct page *rmqueue(struct zone *z, unsigned order, int mt)
{
	struct page *p;
	if (order <= PAGE_ALLOC_COSTLY_ORDER) {
		struct per_cpu_pages *pcp = &z->pcp;
		struct list_head *list = &pcp->lists[order * MIGRATE_PCPTYPES + mt];
		pcp->free_factor >>= 1;
		if (list_empty(list)) {
			int batch = pcp->batch;
			if (batch > 1) batch = (batch >> order) > 2 ? batch >> order : 2;
			pcp->count += rmqueue_bulk(z, order, batch, list, mt) << order;
			if (list_empty(list)) return NULL;
		}
		p = lru_to_page(list->next);
		list_del(&p->lru);
		p->flags &= ~PG_pcp;
		pcp->count -= 1 << order;
	} else {
		p = __rmqueue_smallest(z, order, mt);
		if (!p) return NULL;
		z->nr_free_pages -= 1L << order;
	}
	pgalloc += 1UL << order;
	return p;
}

static int zone_watermark_ok(struct zone *z, unsigned order, unsigned long mark, int highest)
{
	long free_pages = z->nr_free_pages;
	long min = (long)mark + (long)z->lowmem_reserve[highest];
	if (!order) return free_pages > min;
	free_pages -= (1L << order) - 1;
	if (free_pages <= min) return 0;
	for (unsigned o = order; o < MAX_ORDER; o++)
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (!list_empty(&z->free_area[o].free_list[mt])) return 1;
	return 0;
}

/* The zonelist walk: DMA32 then DMA, at the low watermark, then at min. */
static __attribute__((noipa)) struct page *alloc_pages(unsigned gfp, unsigned order)
{
	int highest = gfp_zone(gfp), mt = gfp_migratetype(gfp);
	if (highest >= NR_ZONES) highest = NR_ZONES - 1;   /* the lowmem_reserve index */
	for (int pass = 0; pass < 2; pass++) {
		for (int zi = NR_ZONES - 1; zi >= 0; zi--) {
			struct zone *z = &zones[zi];
			if (!z->managed) continue;
			if (!zone_watermark_ok(z, order, pass ? z->wmark_min : z->wmark_low, highest)) continue;
			struct page *p = rmqueue(z, order, mt);
			if (p) {
				p->private_ = 0;
				p->refcount = 1;
				return p;
			}
		}
	}
	return NULL;
}

static void free_pcppages_bulk(struct zone *z, int count, struct per_cpu_pages *pcp)
{
	int pindex = 0, batch_free = 0, nr_freed = 0;
	if (count > pcp->count) count = pcp->count;
	while (count > 0) {
		struct list_head *list;
		do {
			batch_free++;
			if (++pindex == NR_PCP_LISTS) pindex = 0;
			list = &pcp->lists[pindex];
		} while (list_empty(list));
		if (batch_free == NR_PCP_LISTS) batch_free = count;
		unsigned order = pindex / MIGRATE_PCPTYPES;
		do {
			struct page *p = lru_to_page(list->prev);
			list_del(&p->lru);
			p->flags &= ~PG_pcp;
			nr_freed += 1 << order;
			count -= 1 << order;
			int mt = p->private_;
			p->private_ = 0;
			__free_one_page(p, page_to_pfn(p), z, order, mt, 0);
		} while (count > 0 && --batch_free && !list_empty(list));
	}
	pcp->count -= nr_freed;
}

/* free_pages_prepare: the head must be unused (the other pages are checked
 * only by the kernel's debug build); clear every page's flags, the head's private. */
static int free_pages_prepare(struct page *page, unsigned order)
{
	if (page->mapcount != -1 || page->refcount || (page->flags & (PG_reserved | PG_buddy | PG_pcp))) {
		fprintf(stderr, "bad page %lu\n", page_to_pfn(page));
		return 0;
	}
	page->private_ = 0;
	for (unsigned long i = 0; i < (1UL << order); i++)
		page[i].flags &= ~0x00ffffffu;
	return 1;
}

static __attribute__((noipa)) void free_pages(struct page *p, unsigned order)
{
	if (--p->refcount) return;
	if (!free_pages_prepare(p, order)) return;
	struct zone *z = page_zone(p);
	unsigned long pfn = page_to_pfn(p);
	int mt = pageblock_mt[pfn >> pageblock_order];
	pgfree += 1UL << order;
	if (order <= PAGE_ALLOC_COSTLY_ORDER) {
		struct per_cpu_pages *pcp = &z->pcp;
		if (mt >= MIGRATE_PCPTYPES) mt = MIGRATE_MOVABLE;
		p->private_ = mt;
		list_add(&p->lru, &pcp->lists[order * MIGRATE_PCPTYPES + mt]);
		p->flags |= PG_pcp;
		pcp->count += 1 << order;
		if (pcp->count >= pcp->high) {
			int high = pcp->high, batch = pcp->batch, n;
			if (high < batch) n = 1;
			else {
				n = batch << pcp->free_factor;
				if (n < high - batch) pcp->free_factor++;
				if (n > high - batch) n = high - batch;
				if (n < batch) n = batch;
			}
			free_pcppages_bulk(z, n, pcp);
		}
	} else {
		__free_one_page(p, pfn, z, order, mt, 0);
	}
}

static unsigned long isqrt(unsigned long x)
{
	unsigned long r = 0;
	while ((r + 1) * (r + 1) <= x) r++;
	return r;
}

static void boot(unsigned long pages, unsigned long reserved_bottom, unsigned long reserved_top)
{
	max_pfn = pages;
	mem_map = malloc(pages * sizeof(struct page));
	pageblock_mt = malloc((pages >> pageblock_order) + 1);
	memset(pageblock_mt, MIGRATE_MOVABLE, (pages >> pageblock_order) + 1);
	for (int zi = 0; zi < NR_ZONES; zi++) {
		struct zone *z = &zones[zi];
		memset(z, 0, sizeof(*z));
		z->idx = zi;
		z->start_pfn = zi ? MAX_DMA_PFN : 0;
		unsigned long end = zi ? pages : (pages < MAX_DMA_PFN ? pages : MAX_DMA_PFN);
		z->spanned = end > z->start_pfn ? end - z->start_pfn : 0;
		for (int o = 0; o < MAX_ORDER; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++) INIT_LIST_HEAD(&z->free_area[o].free_list[mt]);
		for (int i = 0; i < NR_PCP_LISTS; i++) INIT_LIST_HEAD(&z->pcp.lists[i]);
		z->pcp.batch = 1;
	}
	for (unsigned long pfn = 0; pfn < pages; pfn++) {
		struct page *p = &mem_map[pfn];
		p->flags = PG_reserved | ((pfn >= MAX_DMA_PFN) << 24);
		p->refcount = 1;
		p->lru.next = p->lru.prev = NULL;
		p->private_ = 0;
		p->mapcount = -1;
	}
	/* memblock_free_all: the free range in the largest aligned blocks */
	unsigned long start = reserved_bottom, end = pages - reserved_top;
	while (start < end) {
		unsigned order = __builtin_ctzl(start);
		if (order > MAX_ORDER - 1) order = MAX_ORDER - 1;
		while (start + (1UL << order) > end) order--;
		struct page *p = &mem_map[start];
		for (unsigned long i = 0; i < (1UL << order); i++) {
			p[i].flags &= ~PG_reserved;
			p[i].refcount = 0;
		}
		struct zone *z = page_zone(p);
		z->managed += 1UL << order;
		__free_one_page(p, start, z, order, MIGRATE_MOVABLE, 1);
		start += 1UL << order;
	}
	/* watermarks, lowmem_reserve, batch and high as in mm_init.ts */
	unsigned long lowmem = zones[0].managed + zones[1].managed;
	unsigned long min_free_kbytes = isqrt(lowmem * 4 * 16);
	if (min_free_kbytes < 128) min_free_kbytes = 128;
	for (int zi = 0; zi < NR_ZONES; zi++) {
		struct zone *z = &zones[zi];
		unsigned long tmp = (min_free_kbytes >> 2) * z->managed / lowmem;
		unsigned long step = tmp >> 2, scale = z->managed / 10000 * 10 + z->managed % 10000 * 10 / 10000;
		if (scale > step) step = scale;
		z->wmark_min = tmp;
		z->wmark_low = tmp + step;
		z->lowmem_reserve[1] = zi == 0 ? zones[1].managed / 256 : 0;
		unsigned long b = z->managed >> 10;
		if (b > 256) b = 256;
		b /= 4;
		if (b < 1) b = 1;
		b += b / 2;
		int batch = (1 << (63 - __builtin_clzl(b))) - 1;
		if (batch < 1) batch = 1;
		z->pcp.batch = batch;
		z->pcp.high = (int)z->wmark_low > batch * 4 ? (int)z->wmark_low : batch * 4;
	}
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The workloads' operations, generated exactly as bench/alloc.ts and
 * bench/wasm/replay.ts generate them (mulberry32; the checksum proves it). */
static uint32_t seed;
static uint32_t next(void)
{
	seed += 0x6d2b79f5u;
	uint32_t t = (seed ^ (seed >> 15)) * (1u | seed);
	t = (t + (t ^ (t >> 7)) * (61u | t)) ^ t;
	return t ^ (t >> 14);
}
static uint32_t below(uint32_t n) { return (uint32_t)(((uint64_t)next() * n) >> 32); }

static int32_t *ops;
static uint32_t nops, sum;
static void emit(uint32_t op, uint32_t slot)
{
	ops[2 * nops] = (int32_t)op;
	ops[2 * nops + 1] = (int32_t)slot;
	nops++;
	sum = sum * 31 + op * 7 + slot;
}

static void gen_pairs(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) { emit(0, 0); emit(OP_FREE, 0); }
}

static void gen_random_frees(uint32_t n, uint32_t s)
{
	uint32_t *perm = malloc(n * sizeof(*perm));
	seed = s;
	for (uint32_t i = 0; i < n; i++) { emit(0, i); perm[i] = i; }
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = below(i + 1), a = perm[i];
		perm[i] = perm[j];
		perm[j] = a;
	}
	for (uint32_t i = 0; i < n; i++) emit(OP_FREE, perm[i]);
	free(perm);
}

static void gen_mixed(uint32_t n, uint32_t s, uint32_t ram_pages)
{
	uint32_t *held = malloc(2 * n * sizeof(*held)), *free_slots = malloc(n * sizeof(*free_slots));
	uint32_t nheld = 0, nfree = 0, next_slot = 0, held_pages = 0;
	seed = s;
	for (uint32_t i = 0; i < n; i++) {
		if (held_pages < ram_pages / 2 || nheld == 0) {
			uint32_t order = below(10);
			uint32_t slot = nfree ? free_slots[--nfree] : next_slot++;
			emit(order, slot);
			held[2 * nheld] = slot;
			held[2 * nheld + 1] = order;
			nheld++;
			held_pages += 1u << order;
		} else {
			uint32_t k = below(nheld);
			uint32_t slot = held[2 * k], order = held[2 * k + 1];
			nheld--;
			held[2 * k] = held[2 * nheld];
			held[2 * k + 1] = held[2 * nheld + 1];
			emit(order | OP_FREE, slot);
			free_slots[nfree++] = slot;
			held_pages -= 1u << order;
		}
	}
	free(held);
	free(free_slots);
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: buddy RAM_PAGES RESERVED_BOTTOM RESERVED_TOP pairs|random|mixed|none N SEED\n");
		return 2;
	}
	unsigned long pages = strtoul(argv[1], NULL, 0), reserved_bottom = strtoul(argv[2], NULL, 0);
	unsigned long reserved_top = strtoul(argv[3], NULL, 0);
	const char *workload = argv[4];
	uint32_t n = (uint32_t)strtoul(argv[5], NULL, 0), s = (uint32_t)strtoul(argv[6], NULL, 0);
	ops = malloc(((size_t)4 * n + 2) * sizeof(*ops));
	if (!strcmp(workload, "pairs")) gen_pairs(n);
	else if (!strcmp(workload, "random")) gen_random_frees(n, s);
	else if (!strcmp(workload, "mixed")) gen_mixed(n, s, (uint32_t)pages);
	int32_t max_slot = 0;
	for (uint32_t i = 0; i < nops; i++) if (ops[2 * i + 1] > max_slot) max_slot = ops[2 * i + 1];
	struct page **slots = calloc(max_slot + 1, sizeof(*slots));
	/* Touched before the clock starts, as the wasm driver's slots are: the
	 * host's first touch of fresh pages is no part of the allocator. */
	memset(slots, 0, (max_slot + 1) * sizeof(*slots));

	long long t0 = now_ns();
	boot(pages, reserved_bottom, reserved_top);
	long long t1 = now_ns();
	for (uint32_t i = 0; i < nops; i++) {
		int32_t op = ops[2 * i], slot = ops[2 * i + 1];
		unsigned order = op & 0xffff;
		if (op & OP_FREE) {
			if (slots[slot]) free_pages(slots[slot], order);
		} else {
			slots[slot] = alloc_pages(GFP_HIGHUSER_MOVABLE, order);
		}
	}
	long long t2 = now_ns();
	int largest = -1;
	for (int zi = 0; zi < NR_ZONES; zi++)
		for (int o = MAX_ORDER - 1; o > largest; o--)
			if (zones[zi].free_area[o].nr_free) largest = o;
	printf("%u %lld %lld %d\n", sum, t1 - t0, t2 - t1, largest);
	return pgalloc < pgfree ? 1 : 0;
}
