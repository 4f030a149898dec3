/* brkdoc's live oracle: replay allocation operations through the real glibc malloc.

   Input (stdin, native-endian 64-bit words): the number of pointer slots, then records of
   three words (op, slot, argument). Output (stdout): the initial program break, then four
   words per operation: the returned pointer (0 for none), 1 if that pointer's chunk is
   mmapped, the program break minus the initial break, and mallinfo2().hblkhd.
   Built with -DBRKDOC_MALLINFO1 for glibc before 2.33, which has only mallinfo(): its int
   hblkhd is read as unsigned, so it is exact below 4 GiB of mmapped chunks.

   The program itself must not disturb the heap it measures, so while replaying it allocates
   nothing: no stdio (which mallocs its buffers), input and output through read() and write()
   on static buffers, and the slot table in its own anonymous mapping. If glibc aborts, the
   SIGABRT handler writes out the results gathered so far; glibc's message goes to stderr. A crash
   (SIGSEGV and the like) also writes them out before the process dies of that signal. */

#define _GNU_SOURCE
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { OP_MALLOC = 1, OP_REALLOC = 2, OP_FREE = 3, OP_CALLOC = 4, OP_MALLOPT = 5, OP_TRIM = 6 };

#define IN_WORDS 3
#define OUT_WORDS 4
#define BUFFER_RECORDS 4096

static uint64_t in_buffer[BUFFER_RECORDS * IN_WORDS];
static uint64_t out_buffer[BUFFER_RECORDS * OUT_WORDS];
static size_t out_used; /* words */

static int write_all (const void *data, size_t length)
{
  const char *p = data;
  while (length > 0)
    {
      ssize_t n = write (STDOUT_FILENO, p, length);
      if (n <= 0)
        return -1;
      p += n;
      length -= (size_t) n;
    }
  return 0;
}

static void flush_output (void)
{
  if (out_used > 0)
    write_all (out_buffer, out_used * sizeof (uint64_t));
  out_used = 0;
}

static void on_abort (int signal_number)
{
  (void) signal_number;
  flush_output ();
}

/* A crash (glibc following a list that an undetected double free corrupted, say): write out
   what completed, then die of the same signal so the parent can name it. */
static void on_crash (int signal_number)
{
  flush_output ();
  signal (signal_number, SIG_DFL);
  raise (signal_number);
}

/* Bytes in mmapped chunks, as malloc counts them. */
static uint64_t current_mmapped (void)
{
#ifdef BRKDOC_MALLINFO1
# pragma GCC diagnostic push
# pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  struct mallinfo info = mallinfo ();
# pragma GCC diagnostic pop
  return (unsigned int) info.hblkhd;
#else
  struct mallinfo2 info = mallinfo2 ();
  return info.hblkhd;
#endif
}

/* Read exactly LENGTH bytes unless the input ends; returns the bytes read. */
static size_t read_full (void *data, size_t length)
{
  char *p = data;
  size_t total = 0;
  while (total < length)
    {
      ssize_t n = read (STDIN_FILENO, p + total, length - total);
      if (n <= 0)
        break;
      total += (size_t) n;
    }
  return total;
}

static void fail (const char *message)
{
  if (write (STDERR_FILENO, message, strlen (message)) < 0)
    _exit (4);
  _exit (3);
}

int main (void)
{
  struct sigaction action;
  memset (&action, 0, sizeof action);
  action.sa_handler = on_abort;
  sigaction (SIGABRT, &action, NULL);
  action.sa_handler = on_crash;
  sigaction (SIGSEGV, &action, NULL);
  sigaction (SIGBUS, &action, NULL);
  sigaction (SIGILL, &action, NULL);
  sigaction (SIGFPE, &action, NULL);

  uint64_t slots;
  if (read_full (&slots, sizeof slots) != sizeof slots)
    fail ("replay: missing slot count\n");
  size_t table_bytes = (slots + 1) * sizeof (void *);
  void **table = mmap (NULL, table_bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (table == MAP_FAILED)
    fail ("replay: cannot map the slot table\n");

  char *start = sbrk (0);
  uint64_t header = (uint64_t) (uintptr_t) start;
  if (write_all (&header, sizeof header) != 0)
    fail ("replay: cannot write\n");

  for (;;)
    {
      size_t got = read_full (in_buffer, sizeof in_buffer);
      if (got % (IN_WORDS * sizeof (uint64_t)) != 0)
        fail ("replay: truncated record\n");
      size_t records = got / (IN_WORDS * sizeof (uint64_t));
      for (size_t r = 0; r < records; r++)
        {
          uint64_t op = in_buffer[r * IN_WORDS];
          uint64_t slot = in_buffer[r * IN_WORDS + 1];
          uint64_t arg = in_buffer[r * IN_WORDS + 2];
          void *result = NULL;
          if (op != OP_MALLOPT && op != OP_TRIM && slot >= slots)
            fail ("replay: slot out of range\n");
          switch (op)
            {
            case OP_MALLOC:
              result = table[slot] = malloc (arg);
              break;
            case OP_REALLOC:
              result = table[slot] = realloc (table[slot], arg);
              break;
            case OP_FREE:
              free (table[slot]);
              break;
            case OP_CALLOC:
              result = table[slot] = calloc (1, arg);
              break;
            case OP_MALLOPT:
              result = (void *) (uintptr_t) mallopt ((int) (int64_t) slot, (int) (int64_t) arg);
              break;
            case OP_TRIM:
              result = (void *) (uintptr_t) malloc_trim (arg);
              break;
            default:
              fail ("replay: unknown operation\n");
            }
          uint64_t mmapped_chunk = 0;
          if (result != NULL && op != OP_MALLOPT && op != OP_TRIM)
            {
              /* The chunk's size word sits just before the pointer; bit 1 is IS_MMAPPED. */
              const uint64_t *size_word = (const uint64_t *) ((uintptr_t) result - 8);
              mmapped_chunk = (*size_word & 2) != 0;
            }
          uint64_t mmapped_bytes = current_mmapped ();
          char *now = sbrk (0);
          uint64_t *out = out_buffer + out_used;
          out[0] = (uint64_t) (uintptr_t) result;
          out[1] = mmapped_chunk;
          out[2] = (uint64_t) (now - start);
          out[3] = mmapped_bytes;
          out_used += OUT_WORDS;
          if (out_used == BUFFER_RECORDS * OUT_WORDS)
            flush_output ();
        }
      if (got < sizeof in_buffer)
        break;
    }
  flush_output ();
  return 0;
}
