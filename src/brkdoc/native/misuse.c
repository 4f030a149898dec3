/* brkdoc's misuse runner: make the calls of one misuse case (a double free, a misaligned
   pointer, ...) on the real glibc, so that glibc's own abort message can be read.

   Input (stdin, native-endian 64-bit words): records of four words (call, slot, size, offset).
   Calls: 1 malloc(size), 2 calloc(1, size), 3 free(slot's pointer + offset),
   4 realloc(slot's pointer + offset, size); malloc, calloc and realloc store their result in
   the slot. Output (stdout): one word, the step's number, after each step that returned.
   glibc's message goes to stderr, and the process dies of SIGABRT (or of the crash it meets).

   Like the replay oracle, it allocates nothing of its own while it runs: no stdio, input read
   whole into a static buffer first, output through write(). */

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

enum { CALL_MALLOC = 1, CALL_CALLOC = 2, CALL_FREE = 3, CALL_REALLOC = 4 };
enum { WORDS = 4, MAX_STEPS = 256, SLOTS = 64 };

static uint64_t steps[MAX_STEPS * WORDS];
static char *slot[SLOTS];

static void fail (const char *message, size_t length)
{
  if (write (STDERR_FILENO, message, length) < 0)
    _exit (4);
  _exit (3);
}

#define FAIL(text) fail (text, sizeof text - 1)

int main (void)
{
  size_t total = 0;
  for (;;)
    {
      ssize_t n = read (STDIN_FILENO, (char *) steps + total, sizeof steps - total);
      if (n < 0)
        FAIL ("misuse: cannot read\n");
      if (n == 0)
        break;
      total += (size_t) n;
      if (total == sizeof steps)
        FAIL ("misuse: too many steps\n");
    }
  if (total % (WORDS * sizeof (uint64_t)) != 0)
    FAIL ("misuse: truncated step\n");
  size_t count = total / (WORDS * sizeof (uint64_t));
  for (uint64_t i = 0; i < count; i++)
    {
      const uint64_t *step = steps + i * WORDS;
      uint64_t which = step[1];
      if (which >= SLOTS)
        FAIL ("misuse: slot out of range\n");
      size_t size = (size_t) step[2];
      char *pointer = (char *) ((uintptr_t) slot[which] + step[3]);
      switch (step[0])
        {
        case CALL_MALLOC:
          slot[which] = malloc (size);
          break;
        case CALL_CALLOC:
          slot[which] = calloc (1, size);
          break;
        case CALL_FREE:
          free (pointer);
          break;
        case CALL_REALLOC:
          slot[which] = realloc (pointer, size);
          break;
        default:
          FAIL ("misuse: unknown call\n");
        }
      if (write (STDOUT_FILENO, &i, sizeof i) != sizeof i)
        FAIL ("misuse: cannot write\n");
    }
  return 0;
}
