/* questions_probe.c: the measurements behind six `brkdoc demo` entries.
 *
 * brkdoc compiles this file on first use and caches the binary (brkdoc.native.build). Each run
 * does ONE experiment, named by argv[1], in a fresh process, so that the Python interpreter's
 * own allocations never sit in the heap being measured and the program can run on another
 * glibc build through that build's loader.
 *
 * Output: one `name value` line per measurement; a value is an integer or the rest of the
 * line. Memory figures are bytes. "rss" figures are RssAnon (proc(5)): the resident anonymous
 * memory, which is where malloc's memory lives. VmRSS also counts the pages of the program and
 * its libraries, which the kernel may drop under memory pressure between two readings. Nothing here calls malloc while it measures, except the
 * calls being measured: /proc files are read with read() into static buffers, and stdout has
 * a static buffer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#define PAGE 4096UL
#define MiB (1024UL * 1024UL)
/* glibc's own names and values; malloc.h does not export them. HEAP_MAX_SIZE in malloc/arena.c:
   2 * DEFAULT_MMAP_THRESHOLD_MAX = 64 MiB on 64-bit. DEFAULT_MMAP_THRESHOLD in malloc/malloc.c
   (glibc-2.36). */
#define HEAP_MAX_SIZE (64UL * MiB)
#define DEFAULT_MMAP_THRESHOLD (128 * 1024)

static char out_buffer[1 << 16];
static char proc_text[1 << 20];

static void emit(const char *name, long value) { printf("%s %ld\n", name, value); }
static void emit_text(const char *name, const char *value) { printf("%s %s\n", name, value); }

static void die(const char *what) {
    fprintf(stderr, "questions_probe: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Read a whole (small) file into proc_text; returns its length. */
static size_t slurp(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) die(path);
    size_t used = 0;
    for (;;) {
        ssize_t got = read(fd, proc_text + used, sizeof proc_text - 1 - used);
        if (got < 0) die(path);
        if (got == 0) break;
        used += (size_t)got;
        if (used == sizeof proc_text - 1) break;
    }
    close(fd);
    proc_text[used] = '\0';
    return used;
}

/* The number after `field` (e.g. "VmRSS:") in a "Name: value kB" file, times `unit`. */
static long field_value(const char *text, const char *field, long unit) {
    const char *at = strstr(text, field);
    if (at == NULL) return -1;
    return strtol(at + strlen(field), NULL, 10) * unit;
}

static long status_bytes(const char *field) {
    slurp("/proc/self/status");
    return field_value(proc_text, field, 1024);
}

static long meminfo_bytes(const char *field) {
    slurp("/proc/meminfo");
    return field_value(proc_text, field, 1024);
}

static long minor_faults(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

static void touch(volatile char *p, size_t len) {
    for (size_t off = 0; off < len; off += PAGE) p[off] = 1;
}

/* The first line of a sysfs or procfs file, without its newline. */
static void first_line(const char *path, char *line, size_t size) {
    slurp(path);
    size_t n = strcspn(proc_text, "\n");
    if (n >= size) n = size - 1;
    memcpy(line, proc_text, n);
    line[n] = '\0';
}

/* A table for pointers that does not come from malloc, so it is not part of the heap. */
static void *table(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("mmap");
    return p;
}

/* ---- rss-after-free: many small blocks freed between a few that stay --------------------- */

static int rss_after_free(long count, long size, long keep_every) {
    char **blocks = table((size_t)count * sizeof *blocks);
    long rss_start = status_bytes("RssAnon:");
    for (long i = 0; i < count; i++) {
        blocks[i] = malloc((size_t)size);
        if (blocks[i] == NULL) die("malloc");
        memset(blocks[i], 0x5a, (size_t)size);
    }
    long rss_full = status_bytes("RssAnon:");
    void *brk_full = sbrk(0);
    long kept = 0;
    for (long i = 0; i < count; i++) {
        if (i % keep_every == keep_every - 1) {
            kept++; /* every keep_every-th block stays in use, like entries a cache keeps */
            continue;
        }
        free(blocks[i]);
    }
    long rss_freed = status_bytes("RssAnon:");
    void *brk_freed = sbrk(0);
    struct mallinfo2 after = mallinfo2();
    int returned = malloc_trim(0);
    long rss_trimmed = status_bytes("RssAnon:");
    void *brk_trimmed = sbrk(0);
    struct mallinfo2 trimmed = mallinfo2();

    emit("count", count);
    emit("size", size);
    emit("kept", kept);
    emit("freed_bytes", (count - kept) * size);
    emit("rss_grown_by_blocks", rss_full - rss_start);
    emit("rss_drop_after_free", rss_full - rss_freed);
    emit("rss_drop_after_trim", rss_freed - rss_trimmed);
    emit("heap_bytes_after_free", (long)after.arena);
    emit("free_bytes_after_free", (long)after.fordblks);
    emit("fastbin_bytes_after_free", (long)after.fsmblks);
    emit("top_bytes_after_free", (long)after.keepcost);
    emit("fastbin_bytes_after_trim", (long)trimmed.fsmblks);
    emit("malloc_trim_returned", returned);
    emit("break_moved_by_free", (char *)brk_freed - (char *)brk_full);
    emit("break_moved_by_trim", (char *)brk_trimmed - (char *)brk_freed);
    return 0;
}

/* ---- arena-max: one arena per thread, up to the limit ------------------------------------ */

static pthread_barrier_t started, may_allocate, allocated, may_exit;

static void *arena_thread(void *slot) {
    pthread_barrier_wait(&started);
    pthread_barrier_wait(&may_allocate);
    *(void **)slot = malloc(64);
    pthread_barrier_wait(&allocated);
    pthread_barrier_wait(&may_exit);
    free(*(void **)slot);
    return NULL;
}

/* The [heap] line of /proc/self/maps: the main arena's brk heap. */
static void brk_heap(uintptr_t *start, uintptr_t *end) {
    slurp("/proc/self/maps");
    *start = *end = 0;
    for (char *line = proc_text; *line != '\0';) {
        char *next = strchr(line, '\n');
        if (next != NULL) *next = '\0';
        if (strstr(line, "[heap]") != NULL) sscanf(line, "%lx-%lx", start, end);
        if (next == NULL) break;
        line = next + 1;
    }
}

static int arena_max(long threads, int pin_one_cpu) {
    if (pin_one_cpu) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(sched_getcpu(), &one);
        if (sched_setaffinity(0, sizeof one, &one) != 0) die("sched_setaffinity");
    }
    cpu_set_t allowed;
    sched_getaffinity(0, sizeof allowed, &allowed);
    void *main_block = malloc(64); /* the main thread uses the main arena */
    pthread_t *ids = table((size_t)threads * sizeof *ids);
    void **slots = table((size_t)threads * sizeof *slots);
    unsigned count = (unsigned)threads + 1;
    pthread_barrier_init(&started, NULL, count);
    pthread_barrier_init(&may_allocate, NULL, count);
    pthread_barrier_init(&allocated, NULL, count);
    pthread_barrier_init(&may_exit, NULL, count);
    for (long i = 0; i < threads; i++)
        if (pthread_create(&ids[i], NULL, arena_thread, &slots[i]) != 0) die("pthread_create");
    pthread_barrier_wait(&started);
    long size_before = status_bytes("VmSize:"), rss_before = status_bytes("VmRSS:");
    pthread_barrier_wait(&may_allocate);
    pthread_barrier_wait(&allocated);
    long size_after = status_bytes("VmSize:"), rss_after = status_bytes("VmRSS:");
    uintptr_t heap_start, heap_end;
    brk_heap(&heap_start, &heap_end);
    /* Each new arena's heap is aligned to its 64 MiB size, so masking a block's address gives
       its arena heap (heap_for_ptr in malloc/arena.c). */
    uintptr_t *bases = table((size_t)threads * sizeof *bases);
    long new_arenas = 0, on_main = 0;
    for (long i = 0; i < threads; i++) {
        uintptr_t at = (uintptr_t)slots[i];
        if (at >= heap_start && at < heap_end) {
            on_main++;
            continue;
        }
        uintptr_t base = at & ~(HEAP_MAX_SIZE - 1);
        long seen = 0;
        for (long j = 0; j < new_arenas; j++) seen |= bases[j] == base;
        if (!seen) bases[new_arenas++] = base;
    }
    pthread_barrier_wait(&may_exit);
    for (long i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    free(main_block);

    emit("threads", threads);
    emit("online_cpus", get_nprocs());
    emit("affinity_cpus", CPU_COUNT(&allowed));
    emit("new_arenas", new_arenas);
    emit("threads_on_main_arena", on_main);
    emit("arena_heap_bytes", (long)HEAP_MAX_SIZE);
    emit("vmsize_grown", size_after - size_before);
    emit("vmrss_grown", rss_after - rss_before);
    return 0;
}

/* ---- hugetlb: does malloc advise huge pages, and does the kernel give them? --------------- */

/* AnonHugePages and whether VmFlags has "hg" (MADV_HUGEPAGE) for the mapping holding `at`. */
static void smaps_of(uintptr_t at, long *huge_bytes, int *advised) {
    slurp("/proc/self/smaps");
    *huge_bytes = -1;
    *advised = 0;
    int inside = 0;
    for (char *line = proc_text; *line != '\0';) {
        char *next = strchr(line, '\n');
        if (next != NULL) *next = '\0';
        uintptr_t start, end;
        char dash;
        if (sscanf(line, "%lx%c%lx ", &start, &dash, &end) == 3 && dash == '-')
            inside = start <= at && at < end;
        else if (inside && strncmp(line, "AnonHugePages:", 14) == 0)
            *huge_bytes = field_value(line, "AnonHugePages:", 1024);
        else if (inside && strncmp(line, "VmFlags:", 8) == 0)
            *advised = strstr(line, " hg") != NULL;
        if (next == NULL) break;
        line = next + 1;
    }
}

static int hugetlb(long size) {
    char thp[128];
    first_line("/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof thp);
    /* The first malloc of the process: how far it moves the break. */
    char *brk_start = sbrk(0);
    void *small = malloc(100);
    char *brk_grown = sbrk(0);
    char *block = malloc((size_t)size);
    if (block == NULL) die("malloc");
    memset(block, 1, (size_t)size);
    long huge_bytes;
    int advised;
    smaps_of((uintptr_t)block, &huge_bytes, &advised);
    const char *tunables = getenv("GLIBC_TUNABLES");

    emit_text("thp_enabled", thp);
    emit_text("glibc_tunables", tunables != NULL ? tunables : "(unset)");
    emit("block", size);
    emit("first_heap_growth", brk_grown - brk_start);
    emit("heap_end_on_huge_page", (uintptr_t)brk_grown % (2 * MiB) == 0);
    emit("block_advised_hugepage", advised);
    emit("block_anon_huge_bytes", huge_bytes);
    free(block);
    free(small);
    return 0;
}

/* ---- overcommit: malloc promises, pages are given on first touch -------------------------- */

static int overcommit(long touch_bytes) {
    char mode[16];
    first_line("/proc/sys/vm/overcommit_memory", mode, sizeof mode);
    long total = meminfo_bytes("MemTotal:"), swap = meminfo_bytes("SwapTotal:");
    long available = meminfo_bytes("MemAvailable:"), commit_limit = meminfo_bytes("CommitLimit:");
    /* Each block is 3/4 of RAM + swap, which the heuristic mode allows one at a time. */
    long each = (total + swap) / 4 * 3 / (long)MiB * (long)MiB;
    enum { BLOCKS = 4 };
    char *blocks[BLOCKS];
    long rss_before = status_bytes("RssAnon:"), size_before = status_bytes("VmSize:");
    long granted = 0;
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = malloc((size_t)each);
        granted += blocks[i] != NULL;
    }
    long rss_after_malloc = status_bytes("RssAnon:"), size_after = status_bytes("VmSize:");
    if (blocks[0] != NULL) touch(blocks[0], (size_t)touch_bytes);
    long rss_after_touch = status_bytes("RssAnon:");
    for (int i = 0; i < BLOCKS; i++) free(blocks[i]);
    /* One block larger than RAM + swap together. */
    long oversized = 2 * (total + swap);
    errno = 0;
    void *huge = malloc((size_t)oversized);
    int huge_errno = errno;
    free(huge);

    /* RLIMIT_AS, set here in the child, limits address space, not memory in use. */
    long address_space = status_bytes("VmSize:");
    struct rlimit limit = {(rlim_t)(address_space + 512 * (long)MiB),
                           (rlim_t)(address_space + 512 * (long)MiB)};
    if (setrlimit(RLIMIT_AS, &limit) != 0) die("setrlimit");
    errno = 0;
    void *over_limit = malloc(1024 * MiB);
    int over_limit_errno = errno;
    void *under_limit = malloc(256 * MiB);
    free(over_limit);
    free(under_limit);

    emit_text("overcommit_memory", mode);
    emit("mem_total", total);
    emit("swap_total", swap);
    emit("mem_available", available);
    emit("commit_limit", commit_limit);
    emit("block", each);
    emit("blocks", BLOCKS);
    emit("blocks_granted", granted);
    emit("vmsize_grown", size_after - size_before);
    emit("rss_grown_by_malloc", rss_after_malloc - rss_before);
    emit("touched", touch_bytes);
    emit("rss_grown_by_touch", rss_after_touch - rss_after_malloc);
    emit("oversized_request", oversized);
    emit("oversized_granted", huge != NULL);
    emit_text("oversized_errno", huge_errno == ENOMEM ? "ENOMEM" : huge_errno ? "other" : "0");
    emit("rlimit_as", (long)limit.rlim_cur);
    emit("over_rlimit_granted", over_limit != NULL);
    emit_text("over_rlimit_errno", over_limit_errno == ENOMEM ? "ENOMEM" : "other");
    emit("under_rlimit_granted", under_limit != NULL);
    return 0;
}

/* ---- realloc-mremap: growing an mmapped block moves page tables, not bytes ---------------- */

static int realloc_mremap(int argc, char **argv) {
    /* A fixed threshold: frees must not raise it (the dynamic threshold), so that every block
       here is an mmapped chunk. */
    mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD);
    /* One unmeasured round first: the measured calls must not pay for faults that have nothing
       to do with the block (a stack page the call reaches for the first time, whose place
       varies with the stack's randomized start). */
    char *warm = malloc(MiB);
    if (warm == NULL) die("malloc");
    memset(warm, 0x5a, MiB);
    free(realloc(warm, 2 * MiB));
    for (int i = 2; i < argc; i++) {
        long size = atol(argv[i]) * (long)MiB;
        char name[64];
        /* realloc of an mmapped chunk: mremap_chunk */
        char *block = malloc((size_t)size);
        if (block == NULL) die("malloc");
        memset(block, 0x5a, (size_t)size);
        /* An mmapped chunk's block starts 16 bytes into a page (its header is the rest). */
        int was_mmapped = ((uintptr_t)block & (PAGE - 1)) == 16;
        long faults = minor_faults();
        char *grown = realloc(block, (size_t)(2 * size));
        long realloc_faults = minor_faults() - faults;
        if (grown == NULL) die("realloc");
        int intact = grown[0] == 0x5a && grown[size / 2] == 0x5a && grown[size - 1] == 0x5a;
        int mmapped = was_mmapped && ((uintptr_t)grown & (PAGE - 1)) == 16;
        free(grown);
        /* what realloc would cost if it had to copy: a new block, memcpy, free */
        block = malloc((size_t)size);
        if (block == NULL) die("malloc");
        memset(block, 0x5a, (size_t)size);
        faults = minor_faults();
        char *copy = malloc((size_t)(2 * size));
        if (copy == NULL) die("malloc");
        memcpy(copy, block, (size_t)size);
        free(block);
        long copy_faults = minor_faults() - faults;
        free(copy);

        snprintf(name, sizeof name, "realloc_faults_%ldmib", size / (long)MiB);
        emit(name, realloc_faults);
        snprintf(name, sizeof name, "copy_faults_%ldmib", size / (long)MiB);
        emit(name, copy_faults);
        snprintf(name, sizeof name, "contents_kept_%ldmib", size / (long)MiB);
        emit(name, intact);
        snprintf(name, sizeof name, "mmapped_%ldmib", size / (long)MiB);
        emit(name, mmapped);
    }
    return 0;
}

/* ---- calloc-fresh: memory the kernel has just given is already zero ----------------------- */

static int calloc_fresh(long size) {
    long rss = status_bytes("RssAnon:");
    char *zeroed = calloc(1, (size_t)size);
    if (zeroed == NULL) die("calloc");
    long calloc_grown = status_bytes("RssAnon:") - rss;
    int all_zero = 1;
    for (long off = 0; off < size; off += (long)PAGE) all_zero &= zeroed[off] == 0;
    long read_grown = status_bytes("RssAnon:") - rss;
    free(zeroed);

    rss = status_bytes("RssAnon:");
    char *cleared = malloc((size_t)size);
    if (cleared == NULL) die("malloc");
    memset(cleared, 0, (size_t)size);
    long memset_grown = status_bytes("RssAnon:") - rss;
    free(cleared);

    /* With a perturb byte set, calloc must zero the block itself: __libc_calloc. */
    mallopt(M_PERTURB, 0x42);
    rss = status_bytes("RssAnon:");
    char *perturbed = calloc(1, (size_t)size);
    if (perturbed == NULL) die("calloc");
    long perturb_grown = status_bytes("RssAnon:") - rss;
    free(perturbed);

    emit("size", size);
    emit("rss_grown_by_calloc", calloc_grown);
    emit("calloc_reads_zero", all_zero);
    emit("rss_grown_after_reading", read_grown);
    emit("rss_grown_by_malloc_memset", memset_grown);
    emit("rss_grown_by_calloc_with_perturb", perturb_grown);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
    if (argc < 2) {
        fprintf(stderr, "usage: questions_probe EXPERIMENT [ARGS]\n");
        return 2;
    }
    const char *what = argv[1];
    emit_text("glibc", gnu_get_libc_version());
    if (strcmp(what, "rss-after-free") == 0 && argc == 5)
        return rss_after_free(atol(argv[2]), atol(argv[3]), atol(argv[4]));
    if (strcmp(what, "arena-max") == 0 && argc == 4)
        return arena_max(atol(argv[2]), atoi(argv[3]));
    if (strcmp(what, "hugetlb") == 0 && argc == 3) return hugetlb(atol(argv[2]));
    if (strcmp(what, "overcommit") == 0 && argc == 3) return overcommit(atol(argv[2]));
    if (strcmp(what, "realloc-mremap") == 0 && argc >= 3) return realloc_mremap(argc, argv);
    if (strcmp(what, "calloc-fresh") == 0 && argc == 3) return calloc_fresh(atol(argv[2]));
    fprintf(stderr, "questions_probe: unknown experiment or wrong arguments: %s\n", what);
    return 2;
}
