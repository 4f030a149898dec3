/* brkdoc's glibc probe: measure one malloc fact in a fresh process and print it as
   "name value" lines. The fact is chosen by argv[1]; each runs in its own process so no
   scenario sees another's heap. Output goes through stdio only after the measuring is done
   (stdio mallocs its buffer on first use).

   It uses mallinfo(), not mallinfo2(): glibc 2.31 has only the older call, and the counts read
   here (free fastbin blocks) are small. */

#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

enum { FILL = 20, SMALL = 56, THREADS = 64 };

/* Blocks stored here stay allocated even where the compiler could prove them unused (it may
   drop a malloc whose result nothing reads). */
static void *volatile keep;

/* Free fastbin blocks right now (mallinfo's smblks). */
static int fastbin_blocks (void)
{
  struct mallinfo info = mallinfo ();
  return info.smblks;
}

/* The first malloc of a fresh process: where it lands and how far the break grows. */
static int first (void)
{
  char *start = sbrk (0);
  char *p = malloc (24);
  char *after = sbrk (0);
  printf ("first_offset %ld\nfirst_growth %ld\n", (long) (p - start), (long) (after - start));
  return 0;
}

/* Free FILL chunks of one size, then ask for that size again: the chunk returned is the last
   one the tcache took, so its index tells how many the tcache bin holds. The chunks freed past
   the tcache go to a fastbin if fastbins exist. */
static int fill_and_refill (void)
{
  void *x[FILL];
  for (int i = 0; i < FILL; i++)
    x[i] = malloc (SMALL);
  for (int i = 0; i < FILL; i++)
    free (x[i]);
  int fast = fastbin_blocks ();
  void *again = malloc (SMALL);
  int index = -1;
  for (int i = 0; i < FILL; i++)
    if (x[i] == again)
      index = i;
  printf ("tcache_depth %d\nfastbin_blocks %d\n", index + 1, fast);
  return 0;
}

/* mallopt(M_MXFAST, 0), then the same frees: with fastbins, none should reach one. */
static int mxfast (void)
{
  int accepted = mallopt (M_MXFAST, 0);
  void *x[FILL];
  for (int i = 0; i < FILL; i++)
    x[i] = malloc (SMALL);
  for (int i = 0; i < FILL; i++)
    free (x[i]);
  printf ("mxfast_accepted %d\nmxfast_fastbin_blocks %d\n", accepted, fastbin_blocks ());
  return 0;
}

/* Does calloc take the chunk free() just put in the tcache? */
static int calloc_reuse (void)
{
  void *p = malloc (40);
  free (p);
  void *q = calloc (1, 40);
  printf ("calloc_from_tcache %d\n", p == q);
  return 0;
}

/* realloc(1000 -> 500) splits off a tail; does the next malloc(400) land in it? A guard block
   keeps the tail from merging into the top chunk. */
static int realloc_tail (void)
{
  char *a = malloc (1000);
  keep = malloc (24);
  char *b = realloc (a, 500);
  char *c = malloc (400);
  printf ("realloc_in_place %d\nrealloc_tail_reused %d\n", a == b, c > b && c < b + 1000);
  return 0;
}

static int mmapped_usable (void)
{
  keep = malloc (200000);
  printf ("mmapped_usable %zu\n", malloc_usable_size (keep));
  return 0;
}

static pthread_barrier_t all_started;

static void *take_an_arena (void *unused)
{
  (void) unused;
  keep = malloc (64);
  /* Nobody exits before every thread has its arena, so no arena is handed back for reuse. */
  pthread_barrier_wait (&all_started);
  return NULL;
}

/* Start THREADS threads that each malloc while all are alive, then count the arenas in
   malloc_info's XML (one <heap nr=...> element per arena, the main arena included). */
static int arenas (void)
{
  pthread_t threads[THREADS];
  pthread_barrier_init (&all_started, NULL, THREADS);
  for (int i = 0; i < THREADS; i++)
    if (pthread_create (&threads[i], NULL, take_an_arena, NULL) != 0)
      return 2;
  for (int i = 0; i < THREADS; i++)
    pthread_join (threads[i], NULL);
  char *xml = NULL;
  size_t length = 0;
  FILE *stream = open_memstream (&xml, &length);
  if (stream == NULL || malloc_info (0, stream) != 0)
    return 2;
  fclose (stream);
  int heaps = 0;
  for (const char *at = xml; (at = strstr (at, "<heap nr=")) != NULL; at++)
    heaps++;
  printf ("arenas_total %d\nonline_cpus %ld\n", heaps, sysconf (_SC_NPROCESSORS_ONLN));
  return 0;
}

int main (int argc, char **argv)
{
  static const struct { const char *name; int (*run) (void); } facts[] = {
    { "first", first },
    { "tcache", fill_and_refill },
    { "mxfast", mxfast },
    { "calloc", calloc_reuse },
    { "realloc", realloc_tail },
    { "mmapped", mmapped_usable },
    { "arenas", arenas },
  };
  if (argc != 2)
    return 2;
  for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
    if (strcmp (argv[1], facts[i].name) == 0)
      return facts[i].run ();
  return 2;
}
