/* Preloaded by `brkdoc record` ahead of glibc's libc_malloc_debug.so.

   glibc's mtrace facility writes a line per malloc, realloc and free once the program has
   called mtrace(); this library's constructor makes that call, so an unmodified program is
   traced from its first allocation in main (malloc/mtrace.c, malloc/mtrace-impl.c).

   mtrace prints calloc and the memalign family as plain allocations ('+'), and does not show
   mallopt or malloc_trim at all. A CS:APP trace cannot express those calls either, so this
   library counts them (forwarding each to the next definition, libc_malloc_debug's) and
   writes the counts with write() at exit to the file named by BRKDOC_RECORD_COUNTS. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <mcheck.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long n_calloc, n_memalign, n_mallopt, n_trim;

static void *(*next_calloc) (size_t, size_t);
static void *(*next_memalign) (size_t, size_t);
static int (*next_posix_memalign) (void **, size_t, size_t);
static void *(*next_aligned_alloc) (size_t, size_t);
static void *(*next_valloc) (size_t);
static void *(*next_pvalloc) (size_t);
static int (*next_mallopt) (int, int);
static int (*next_malloc_trim) (size_t);

/* libc_malloc_debug.so exports its functions as non-default symbol versions (for example
   calloc@GLIBC_2.2.5), which plain dlsym skips; ask for the versions explicitly. */
static void *next_symbol (const char *name)
{
  static const char *const versions[] = { "GLIBC_2.2.5", "GLIBC_2.16", NULL };
  for (int i = 0; versions[i] != NULL; i++)
    {
      void *found = dlvsym (RTLD_NEXT, name, versions[i]);
      if (found != NULL)
        return found;
    }
  return dlsym (RTLD_NEXT, name);
}

__attribute__ ((constructor)) static void brkdoc_record_start (void)
{
  next_calloc = (void *(*) (size_t, size_t)) next_symbol ("calloc");
  next_memalign = (void *(*) (size_t, size_t)) next_symbol ("memalign");
  next_posix_memalign = (int (*) (void **, size_t, size_t)) next_symbol ("posix_memalign");
  next_aligned_alloc = (void *(*) (size_t, size_t)) next_symbol ("aligned_alloc");
  next_valloc = (void *(*) (size_t)) next_symbol ("valloc");
  next_pvalloc = (void *(*) (size_t)) next_symbol ("pvalloc");
  next_mallopt = (int (*) (int, int)) next_symbol ("mallopt");
  next_malloc_trim = (int (*) (size_t)) next_symbol ("malloc_trim");
  mtrace ();
}

static void put_number (char *buffer, size_t *used, unsigned long value)
{
  char digits[24];
  size_t n = 0;
  do
    {
      digits[n++] = (char) ('0' + value % 10);
      value /= 10;
    }
  while (value != 0);
  while (n > 0)
    buffer[(*used)++] = digits[--n];
  buffer[(*used)++] = ' ';
}

__attribute__ ((destructor)) static void brkdoc_record_stop (void)
{
  const char *path = getenv ("BRKDOC_RECORD_COUNTS");
  if (path == NULL)
    return;
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  char buffer[128];
  size_t used = 0;
  put_number (buffer, &used, n_calloc);
  put_number (buffer, &used, n_memalign);
  put_number (buffer, &used, n_mallopt);
  put_number (buffer, &used, n_trim);
  buffer[used - 1] = '\n';
  if (write (fd, buffer, used) < 0)
    used = 0;
  close (fd);
}

void *calloc (size_t count, size_t size)
{
  if (next_calloc == NULL)
    return NULL; /* dlsym itself asked for memory before we were ready */
  n_calloc++;
  return next_calloc (count, size);
}

void *memalign (size_t alignment, size_t size)
{
  if (next_memalign == NULL)
    return NULL;
  n_memalign++;
  return next_memalign (alignment, size);
}

int posix_memalign (void **result, size_t alignment, size_t size)
{
  n_memalign++;
  return next_posix_memalign (result, alignment, size);
}

void *aligned_alloc (size_t alignment, size_t size)
{
  n_memalign++;
  return next_aligned_alloc (alignment, size);
}

void *valloc (size_t size)
{
  n_memalign++;
  return next_valloc (size);
}

void *pvalloc (size_t size)
{
  n_memalign++;
  return next_pvalloc (size);
}

int mallopt (int param, int value)
{
  n_mallopt++;
  return next_mallopt (param, value);
}

int malloc_trim (size_t pad)
{
  n_trim++;
  return next_malloc_trim (pad);
}
