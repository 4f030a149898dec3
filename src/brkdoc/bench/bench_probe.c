/* bench_probe.c: the measurements behind `brkdoc bench`.
 *
 * brkdoc compiles this file on first use (gcc -O2 -pthread) and caches the binary. Each run
 * does ONE experiment, named by argv[1], in a fresh process, because the experiments move the
 * program break, change malloc's settings, start threads and create thousands of mappings.
 * argv[2] is the repetition scale: 1 for a full run, 0 for a quick structural run (tests).
 *
 * Output: one `name value` pair per line. Times are nanoseconds (double), counts are integers.
 * Every time is a median over several repetitions, so one preemption does not move it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
/* glibc's initial mmap threshold, DEFAULT_MMAP_THRESHOLD in malloc/malloc.c (glibc-2.36); malloc.h
   does not export it. */
#define DEFAULT_MMAP_THRESHOLD (128 * 1024)
#define MAX_SAMPLES 64

static int scale = 1;
/* stdout gets a static buffer so that printing never calls malloc while we measure it. */
static char out_buffer[1 << 16];

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static int reps(int full) { return scale ? full : (full < 3 ? full : 3); }

static void emit(const char *name, double value) { printf("%s %.3f\n", name, value); }
static void emit_count(const char *name, long value) { printf("%s %ld\n", name, value); }

/* Emit a value whose name is a fixed stem followed by a variable part, e.g. "mmap_" "4k". */
static void emit_as(const char *stem, const char *suffix, double value) {
    char name[96];
    snprintf(name, sizeof name, "%s%s", stem, suffix);
    emit(name, value);
}

static void die(const char *what) {
    fprintf(stderr, "bench_probe: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void *map_anon(size_t len, int extra_flags) {
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | extra_flags,
                   -1, 0);
    if (p == MAP_FAILED) die("mmap");
    return p;
}

static void touch_pages(volatile char *p, size_t len) {
    for (size_t off = 0; off < len; off += PAGE) p[off] = 1;
}

static long minor_faults(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* Lines in /proc/self/maps = VMAs. Read with raw read(2): stdio would call malloc. */
static long vma_count(void) {
    static char buf[1 << 16];
    long lines = 0;
    int fd = open("/proc/self/maps", O_RDONLY);
    if (fd < 0) die("open /proc/self/maps");
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++) lines += buf[i] == '\n';
    close(fd);
    return lines;
}

/* Resident bytes of this process, from /proc/self/statm (second field, in pages). */
static long resident_bytes(void) {
    char buf[256];
    int fd = open("/proc/self/statm", O_RDONLY);
    if (fd < 0) die("open /proc/self/statm");
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) die("read /proc/self/statm");
    buf[n] = '\0';
    long size = 0, resident = 0;
    if (sscanf(buf, "%ld %ld", &size, &resident) != 2) die("parse /proc/self/statm");
    return resident * (long)PAGE;
}

static uintptr_t raw_brk(uintptr_t addr) { return (uintptr_t)syscall(SYS_brk, addr); }

/* ---- kernel: brk vs mmap growth, first touch, munmap ------------------------------------- */

/* Grow the break `calls` times by `pages` pages, then shrink it back; nothing is touched, so
 * this is the bookkeeping cost alone (VMA update, rlimit and overcommit checks). No malloc
 * runs between the moves: glibc's heap is left exactly where it was. */
static void brk_growth(const char *label, size_t pages) {
    enum { CALLS = 200 };
    int calls = scale ? CALLS : 8;
    double grow[MAX_SAMPLES], shrink[MAX_SAMPLES];
    int rounds = reps(15);
    uintptr_t start = raw_brk(0);
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (int i = 1; i <= calls; i++)
            if (raw_brk(start + i * pages * PAGE) != start + i * pages * PAGE) die("brk grow");
        double t1 = now_ns();
        for (int i = calls - 1; i >= 0; i--) raw_brk(start + i * pages * PAGE);
        double t2 = now_ns();
        grow[r] = (t1 - t0) / calls;
        shrink[r] = (t2 - t1) / calls;
    }
    emit_as("brk_grow_", label, median(grow, rounds));
    emit_as("brk_shrink_", label, median(shrink, rounds));
}

static void mmap_growth(const char *label, size_t pages) {
    enum { CALLS = 200 };
    int calls = scale ? CALLS : 8;
    static void *maps[CALLS];
    double map_t[MAX_SAMPLES], unmap_t[MAX_SAMPLES];
    int rounds = reps(15);
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (int i = 0; i < calls; i++) maps[i] = map_anon(pages * PAGE, 0);
        double t1 = now_ns();
        for (int i = 0; i < calls; i++) munmap(maps[i], pages * PAGE);
        double t2 = now_ns();
        map_t[r] = (t1 - t0) / calls;
        unmap_t[r] = (t2 - t1) / calls;
    }
    emit_as("mmap_", label, median(map_t, rounds));
    emit_as("munmap_untouched_", label, median(unmap_t, rounds));
}

/* First touch of fresh anonymous pages: one minor fault each (huge pages are switched off for
 * the region so every 4 KiB page faults on its own). Also: a second touch (no fault), zeroing
 * 4 KiB by hand (the kernel must do that much per fault), MAP_POPULATE, and munmap of the
 * touched region (which frees the pages and flushes the TLB). */
static void first_touch(void) {
    size_t len = (scale ? 64UL : 4UL) << 20, pages = len / PAGE;
    int rounds = reps(7);
    double fault[MAX_SAMPLES], retouch[MAX_SAMPLES], unmap[MAX_SAMPLES], populate[MAX_SAMPLES];
    long faults = 0;
    for (int r = 0; r < rounds; r++) {
        char *p = map_anon(len, 0);
        madvise(p, len, MADV_NOHUGEPAGE);
        long f0 = minor_faults();
        double t0 = now_ns();
        touch_pages(p, len);
        double t1 = now_ns();
        faults = minor_faults() - f0;
        touch_pages(p, len);
        double t2 = now_ns();
        munmap(p, len);
        double t3 = now_ns();
        fault[r] = (t1 - t0) / pages;
        retouch[r] = (t2 - t1) / pages;
        unmap[r] = (t3 - t2) / pages;

        double t4 = now_ns();
        char *q = map_anon(len, MAP_POPULATE);
        double t5 = now_ns();
        munmap(q, len);
        populate[r] = (t5 - t4) / pages;
    }
    emit("first_touch_per_page", median(fault, rounds));
    emit("second_touch_per_page", median(retouch, rounds));
    emit("munmap_touched_per_page", median(unmap, rounds));
    emit("mmap_populate_per_page", median(populate, rounds));
    emit_count("first_touch_pages", (long)pages);
    emit_count("first_touch_faults", faults);

    /* Zeroing one page in user space, warm in cache: a floor for the kernel's clear_page. */
    static char page_buf[PAGE];
    int n = scale ? 20000 : 100;
    double zero[MAX_SAMPLES];
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (int i = 0; i < n; i++) {
            memset(page_buf, 0, PAGE);
            __asm__ volatile("" : : "r"(page_buf) : "memory");
        }
        zero[r] = (now_ns() - t0) / n;
    }
    emit("zero_page", median(zero, rounds));

    /* The same first touch with transparent huge pages requested: one fault maps 2 MiB. */
    double huge[MAX_SAMPLES];
    long huge_faults = -1;
    for (int r = 0; r < rounds; r++) {
        char *p = map_anon(len + (2UL << 20), 0);
        char *aligned = (char *)(((uintptr_t)p + (2UL << 20) - 1) & ~((2UL << 20) - 1));
        if (madvise(aligned, len, MADV_HUGEPAGE) != 0) {
            munmap(p, len + (2UL << 20));
            huge_faults = -1;
            break;
        }
        long f0 = minor_faults();
        double t0 = now_ns();
        touch_pages(aligned, len);
        double t1 = now_ns();
        huge_faults = minor_faults() - f0;
        munmap(p, len + (2UL << 20));
        huge[r] = (t1 - t0) / pages;
    }
    if (huge_faults >= 0) {
        emit("thp_first_touch_per_page", median(huge, rounds));
        emit_count("thp_first_touch_faults", huge_faults);
    }
}

static void run_kernel(void) {
    brk_growth("1page", 1);
    brk_growth("32pages", 32);
    brk_growth("256pages", 256);
    mmap_growth("1page", 1);
    mmap_growth("32pages", 32);
    mmap_growth("256pages", 256);
    first_touch();
}

/* ---- tlb: munmap with and without another thread of this process running elsewhere -------- */

static atomic_int keep_spinning = 1;
static atomic_int spinner_ready = 0;

static int pin_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

static void *spinner(void *arg) {
    (void)arg;
    pin_to_cpu(1);
    atomic_store(&spinner_ready, 1);
    while (atomic_load_explicit(&keep_spinning, memory_order_relaxed)) __asm__ volatile("pause");
    return NULL;
}

/* munmap of one touched page: the kernel must flush that page's TLB entry on every CPU where
 * this address space may be live. Alone, that is the local CPU only; with a second thread
 * running on another CPU it is an inter-processor interrupt (a "shootdown") and a wait. */
static double unmap_one_touched(int n) {
    double t[MAX_SAMPLES];
    int rounds = reps(9);
    for (int r = 0; r < rounds; r++) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            char *p = map_anon(PAGE, 0);
            p[0] = 1;
            double t0 = now_ns();
            munmap(p, PAGE);
            total += now_ns() - t0;
        }
        t[r] = total / n;
    }
    return median(t, rounds);
}

static void run_tlb(void) {
    int n = scale ? 2000 : 20;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    emit_count("online_cpus", cpus);
    if (pin_to_cpu(0) != 0) die("sched_setaffinity");
    emit("munmap_1page_single_thread", unmap_one_touched(n));
    if (cpus < 2) return;
    pthread_t thread;
    if (pthread_create(&thread, NULL, spinner, NULL) != 0) die("pthread_create");
    while (!atomic_load(&spinner_ready)) sched_yield();
    emit("munmap_1page_with_remote_thread", unmap_one_touched(n));
    atomic_store(&keep_spinning, 0);
    pthread_join(thread, NULL);
}

/* ---- vma: how the VMA count grows, and what a long VMA list costs ------------------------- */

static void run_vma(void) {
    int n = scale ? 1000 : 50;
    static char *slots[30000];

    long base = vma_count();
    emit_count("vma_baseline", base);

    /* Adjacent mappings with the same flags: the kernel merges them into one VMA. */
    char *block = map_anon((size_t)n * PAGE, 0);
    munmap(block, (size_t)n * PAGE);
    for (int i = 0; i < n; i++) {
        void *want = block + (size_t)i * PAGE;
        void *got = mmap(want, PAGE, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (got != want) die("mmap fixed_noreplace");
        *(volatile char *)got = 1;
    }
    emit_count("vma_calls", n);
    emit_count("vma_after_adjacent_mmaps", vma_count() - base);
    munmap(block, (size_t)n * PAGE);

    /* The same pages with a one-page hole after each: nothing to merge, one VMA per call. */
    block = map_anon((size_t)n * 2 * PAGE, 0);
    munmap(block, (size_t)n * 2 * PAGE);
    for (int i = 0; i < n; i++) {
        void *want = block + (size_t)i * 2 * PAGE;
        if (mmap(want, PAGE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != want)
            die("mmap fixed_noreplace");
    }
    emit_count("vma_after_separate_mmaps", vma_count() - base);
    munmap(block, (size_t)n * 2 * PAGE);

    /* Growing the break n times: the heap VMA just gets longer. */
    uintptr_t start = raw_brk(0);
    long before = vma_count();
    for (int i = 1; i <= n; i++) raw_brk(start + (uintptr_t)i * PAGE);
    emit_count("vma_after_brk_growth", vma_count() - before);
    raw_brk(start);

    /* mmap+munmap of one page with few VMAs, then with many (each a separate mapping). */
    int pairs = scale ? 2000 : 20;
    int rounds = reps(7);
    double few[MAX_SAMPLES], many[MAX_SAMPLES];
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (int i = 0; i < pairs; i++) munmap(map_anon(PAGE, 0), PAGE);
        few[r] = (now_ns() - t0) / pairs;
    }
    int extra = scale ? 30000 : 500;
    char *area = map_anon((size_t)extra * 2 * PAGE, 0);
    for (int i = 0; i < extra; i++) {
        /* Alternate protections: neighbours differ, so each page stays its own VMA. */
        slots[i] = area + (size_t)i * PAGE;
        mprotect(slots[i], PAGE, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE);
    }
    emit_count("vma_many", vma_count());
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (int i = 0; i < pairs; i++) munmap(map_anon(PAGE, 0), PAGE);
        many[r] = (now_ns() - t0) / pairs;
    }
    emit("mmap_munmap_few_vmas", median(few, rounds));
    emit("mmap_munmap_many_vmas", median(many, rounds));
    munmap(area, (size_t)extra * 2 * PAGE);

    /* glibc: n blocks above the threshold, threshold fixed so every one is mmapped. */
    mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD);
    int blocks = scale ? 100 : 10;
    static void *big[100];
    before = vma_count();
    for (int i = 0; i < blocks; i++) {
        big[i] = malloc(256 * 1024);
        if (!big[i]) die("malloc");
        ((volatile char *)big[i])[0] = 1;
    }
    emit_count("vma_malloc_blocks", blocks);
    emit_count("vma_after_malloc_blocks", vma_count() - before);
    for (int i = 0; i < blocks; i++) free(big[i]);
}

/* ---- malloc: malloc+free cost across the threshold ---------------------------------------- */

static const size_t sweep_sizes[] = {
    1024,       4096,       16384,      65536,      98304,     126976,   131072,
    139264,     163840,     262144,     524288,     1048576,   2097152,  4194304,
};

/* malloc(size) then free, `n` times; with `touch`, one byte per page is written in between, as
 * a program that uses its memory would. Reported per malloc+free pair. */
static double malloc_free(size_t size, int touch) {
    int rounds = reps(7);
    int n = size <= 65536 ? 2000 : size <= 524288 ? 200 : 30;
    if (!scale) n = 5;
    double t[MAX_SAMPLES];
    free(malloc(size)); /* the first pair may move the dynamic threshold; measure after it */
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (int i = 0; i < n; i++) {
            char *p = malloc(size);
            if (!p) die("malloc");
            if (touch) touch_pages(p, size);
            __asm__ volatile("" : : "r"(p) : "memory");
            free(p);
        }
        t[r] = (now_ns() - t0) / n;
    }
    return median(t, rounds);
}

static void run_malloc(int dynamic) {
    /* Setting M_MMAP_THRESHOLD, even to its default, switches the dynamic threshold off. */
    if (!dynamic && mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD) != 1) die("mallopt");
    for (size_t i = 0; i < sizeof sweep_sizes / sizeof sweep_sizes[0]; i++) {
        char size[24];
        snprintf(size, sizeof size, "%zu", sweep_sizes[i]);
        emit_as("pair_", size, malloc_free(sweep_sizes[i], 0));
        emit_as("touched_", size, malloc_free(sweep_sizes[i], 1));
    }
}

/* ---- return: how long giving 8 MiB back takes, and how much really goes back -------------- */

static void run_return(void) {
    size_t len = (scale ? 8UL : 1UL) << 20;
    int rounds = reps(7);
    double t[MAX_SAMPLES];
    long returned = 0;
    emit_count("return_bytes", (long)len);

    /* free() of an mmapped block: munmap, immediately. */
    mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD);
    for (int r = 0; r < rounds; r++) {
        char *p = malloc(len);
        if (!p) die("malloc");
        touch_pages(p, len);
        long rss = resident_bytes();
        double t0 = now_ns();
        free(p);
        t[r] = now_ns() - t0;
        returned = rss - resident_bytes();
    }
    emit("return_free_munmap", median(t, rounds));
    emit_count("return_free_munmap_rss", returned);

    /* The same block on the heap: free() keeps it (trimming switched off), then malloc_trim(0)
     * moves the break down. */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    double kept[MAX_SAMPLES];
    long kept_rss = 0;
    for (int r = 0; r < rounds; r++) {
        char *p = malloc(len);
        if (!p) die("malloc");
        touch_pages(p, len);
        long rss = resident_bytes();
        double t0 = now_ns();
        free(p);
        kept[r] = now_ns() - t0;
        kept_rss = rss - resident_bytes();
        rss = resident_bytes();
        t0 = now_ns();
        malloc_trim(0);
        t[r] = now_ns() - t0;
        returned = rss - resident_bytes();
    }
    emit("return_free_heap_kept", median(kept, rounds));
    emit_count("return_free_heap_kept_rss", kept_rss);
    emit("return_trim_top", median(t, rounds));
    emit_count("return_trim_top_rss", returned);

    /* A free block below a live one cannot go back by moving the break; since glibc 2.8,
     * malloc_trim releases its whole pages with madvise(MADV_DONTNEED) instead. */
    for (int r = 0; r < rounds; r++) {
        char *p = malloc(len);
        char *guard = malloc(64);
        if (!p || !guard) die("malloc");
        touch_pages(p, len);
        free(p);
        long rss = resident_bytes();
        double t0 = now_ns();
        malloc_trim(0);
        t[r] = now_ns() - t0;
        returned = rss - resident_bytes();
        free(guard);
    }
    emit("return_trim_madvise", median(t, rounds));
    emit_count("return_trim_madvise_rss", returned);
}

int main(int argc, char **argv) {
    setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
    if (argc < 2) {
        fprintf(stderr, "usage: bench_probe kernel|tlb|vma|malloc-dynamic|malloc-fixed|return [0|1]\n");
        return 2;
    }
    if (argc > 2) scale = atoi(argv[2]) != 0;
    const char *what = argv[1];
    if (!strcmp(what, "kernel")) run_kernel();
    else if (!strcmp(what, "tlb")) run_tlb();
    else if (!strcmp(what, "vma")) run_vma();
    else if (!strcmp(what, "malloc-dynamic")) run_malloc(1);
    else if (!strcmp(what, "malloc-fixed")) run_malloc(0);
    else if (!strcmp(what, "return")) run_return();
    else {
        fprintf(stderr, "bench_probe: unknown experiment %s\n", what);
        return 2;
    }
    return 0;
}
