/* giveback.c: one workload for every recipe on the page.
   Four threads each build 20,000 records of 64 to 1087 bytes, with a 256 KiB scratch buffer
   replaced every 500 records, then free the buffer and all records but every 128th.
   With the argument "trim", main then calls malloc_trim(0). Then the threads build the freed
   records again. It prints how much of the peak resident memory the frees gave back (to the
   nearest 10%) and the page faults of each round (to the nearest 10,000). */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

enum { THREADS = 4, RECORDS = 20000, EVERY = 500, BUFFER = 256 * 1024, KEEP = 128 };

static char *records[THREADS][RECORDS];
static pthread_barrier_t step;

/* Resident anonymous memory (malloc's), without the program's and libraries' file pages. */
static long rss_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *status = fopen("/proc/self/status", "r");
    while (fgets(line, sizeof line, status))
        if (sscanf(line, "RssAnon: %ld", &kib) == 1)
            break;
    fclose(status);
    return kib;
}

static long faults(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

static void build(long id, int again)
{
    unsigned seed = (unsigned)id + 1;
    char *buffer = NULL;
    for (int i = 0; i < RECORDS; i++) {
        seed = seed * 1103515245u + 12345u;
        size_t size = 64 + (seed >> 16) % 1024;
        if (again && i % KEEP == 0)
            continue;                       /* still in use from the first round */
        records[id][i] = malloc(size);
        memset(records[id][i], 1, size);
        if (!again && i % EVERY == 0) {
            free(buffer);
            buffer = malloc(BUFFER);        // (1)!
            memset(buffer, 2, BUFFER);
        }
    }
    free(buffer);
}

static void *work(void *arg)
{
    long id = (long)arg;
    build(id, 0);
    pthread_barrier_wait(&step);            /* 1: built; main measures the peak */
    pthread_barrier_wait(&step);            /* 2: measured */
    for (int i = 0; i < RECORDS; i++)
        if (i % KEEP != 0)
            free(records[id][i]);           // (2)!
    pthread_barrier_wait(&step);            /* 3: freed; main trims or not, and measures */
    pthread_barrier_wait(&step);            /* 4: build again */
    build(id, 1);
    return NULL;
}

int main(int argc, char **argv)
{
    long start = rss_kib();
    pthread_t threads[THREADS];
    pthread_barrier_init(&step, NULL, THREADS + 1);
    for (long i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, work, (void *)i);
    pthread_barrier_wait(&step);
    long peak = rss_kib() - start;          /* all records built */
    pthread_barrier_wait(&step);
    pthread_barrier_wait(&step);
    if (argc > 1 && strcmp(argv[1], "trim") == 0)
        malloc_trim(0);                     // (3)!
    long after = rss_kib() - start;
    long first = faults();
    pthread_barrier_wait(&step);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    long again = faults() - first;
    printf("given back: %ld%% of the peak\n", ((peak - after) * 10 + peak / 2) / peak * 10);
    printf("page faults up to the frees: %ld\n", (first + 5000) / 10000 * 10000);
    printf("page faults building them again: %ld\n", (again + 5000) / 10000 * 10000);
    return 0;
}
