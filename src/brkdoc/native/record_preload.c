/* Preloaded by `brkdoc record`: every process and every program image it runs writes its own
   log of malloc, calloc, realloc, free and the memalign family.

   The log is a file of its own per image, in the folder named by BRKDOC_RECORD_DIR, created
   with O_EXCL as "PID.N" (N = 0 for the first image recorded under that PID, 1 after its first
   exec, ...), so no process ever reopens, truncates or shares another's log. Each call is one
   line, written with one write() to an O_APPEND descriptor while a lock is held around the real
   call and the write: the order of the lines is the order in which the allocator served the
   calls, also with threads. Nothing here allocates or uses stdio.

   The hooks forward to glibc's own entry points (__libc_malloc and friends, exported for this
   purpose), so the recorded run uses glibc's normal malloc, not a debugging one. A fork child
   gets a new log in pthread_atfork's child handler, which glibc runs after its own malloc locks
   are reinitialised (posix/fork.c, glibc 2.36). exec closes the log (O_CLOEXEC); the new image
   loads this library again and opens the next "PID.N". A child made by vfork, or by clone
   without fork handlers, shares or copies its parent's state without a new log; posix_spawn's
   child (what gcc and Python's subprocess use) allocates nothing before its exec, so nothing
   is lost there, but such a child that did allocate would log into its parent's file.

   Lines (numbers in hex; T is the allocating thread's number within the image, from 1):
     m T PTR SIZE            malloc
     c T PTR COUNT SIZE      calloc
     r T OLD NEW SIZE        realloc (OLD 0: like malloc; NEW 0: freed (SIZE 0) or failed)
     f T PTR                 free (free(NULL) is not logged)
     A T PTR ALIGN SIZE      memalign, posix_memalign, aligned_alloc, valloc, pvalloc
     o T PARAM VALUE         mallopt
     t T PAD                 malloc_trim
   A header comes first: "brkdoc-record 1", then pid, ppid, origin (exec or fork), exe
   and argv (each argument hex-encoded, space-separated), each "key value" on its own line. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc (size_t);
extern void __libc_free (void *);
extern void *__libc_calloc (size_t, size_t);
extern void *__libc_realloc (void *, size_t);
extern void *__libc_memalign (size_t, size_t);
extern void *__libc_valloc (size_t);
extern void *__libc_pvalloc (size_t);
extern int __libc_mallopt (int, int);

#define LOG_DIR_MAX 3072
#define VARIABLE "BRKDOC_RECORD_DIR="
/* Keep the log descriptor above the numbers programs use for their own files, so a program
   that dup2()s onto low descriptors does not overwrite it. */
#define HIGH_FD 700

/* Recursive, because fork handlers registered before this library's run after its own
   prepare handler has taken the lock, and may allocate. */
static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static int initialised;      /* 1 once this image looked for BRKDOC_RECORD_DIR */
static int log_fd = -1;      /* -1: not recording */
static char log_dir[LOG_DIR_MAX];
static char log_path[LOG_DIR_MAX + 64];
static unsigned long generation; /* grows at each fork, so threads renumber in the child */
static unsigned long threads;
static pid_t forking_pid; /* set in the parent just before fork; a fork child's parent */

static __thread unsigned long my_generation __attribute__ ((tls_model ("initial-exec")));
static __thread unsigned long my_thread __attribute__ ((tls_model ("initial-exec")));

/* Entry points glibc exports under no __libc_ name: found with dlsym, which may allocate, so
   always before the lock is taken. */
static int (*next_posix_memalign) (void **, size_t, size_t);
static void *(*next_aligned_alloc) (size_t, size_t);
static int (*next_malloc_trim) (size_t);

static void resolve (void)
{
  if (next_posix_memalign == NULL)
    next_posix_memalign
        = (int (*) (void **, size_t, size_t)) dlsym (RTLD_NEXT, "posix_memalign");
  if (next_aligned_alloc == NULL)
    next_aligned_alloc = (void *(*) (size_t, size_t)) dlsym (RTLD_NEXT, "aligned_alloc");
  if (next_malloc_trim == NULL)
    next_malloc_trim = (int (*) (size_t)) dlsym (RTLD_NEXT, "malloc_trim");
}

/* A small line buffer on the stack; every call builds one line and writes it at once. */
struct line
{
  char text[512];
  size_t used;
};

static void put_char (struct line *line, char c)
{
  if (line->used < sizeof line->text)
    line->text[line->used++] = c;
}

static void put_text (struct line *line, const char *text)
{
  while (*text != '\0')
    put_char (line, *text++);
}

static void put_hex (struct line *line, uintptr_t value)
{
  char digits[2 * sizeof value];
  size_t n = 0;
  do
    {
      digits[n++] = "0123456789abcdef"[value & 15];
      value >>= 4;
    }
  while (value != 0);
  put_char (line, ' ');
  while (n > 0)
    put_char (line, digits[--n]);
}

/* 0 when all of `data` was written, else the errno of the write that failed. */
static int write_all (int fd, const char *data, size_t size)
{
  while (size > 0)
    {
      ssize_t done = write (fd, data, size);
      if (done < 0 && errno == EINTR)
        continue;
      if (done <= 0)
        return done < 0 ? errno : EIO;
      data += done;
      size -= (size_t) done;
    }
  return 0;
}

static int move_high (int fd)
{
  int high = fcntl (fd, F_DUPFD_CLOEXEC, HIGH_FD);
  if (high < 0)
    return fd;
  close (fd);
  return high;
}

/* Copy the value of BRKDOC_RECORD_DIR from /proc/self/environ: it works before libc has set up
   `environ` (ld.so may allocate that early) and needs no allocation. */
static void find_log_dir (void)
{
  int fd = open ("/proc/self/environ", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  char buffer[4096];
  size_t matched = 0;  /* characters of VARIABLE matched at the start of this entry */
  size_t copied = 0;
  int at_entry_start = 1, copying = 0, done = 0;
  while (!done)
    {
      ssize_t n = read (fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      for (ssize_t i = 0; i < n && !done; i++)
        {
          char c = buffer[i];
          if (copying)
            {
              if (c == '\0' || copied + 1 >= LOG_DIR_MAX)
                done = 1;
              else
                log_dir[copied++] = c;
            }
          else if (c == '\0')
            {
              at_entry_start = 1;
              matched = 0;
            }
          else if (at_entry_start && c == VARIABLE[matched])
            {
              if (VARIABLE[++matched] == '\0')
                copying = 1;
            }
          else
            at_entry_start = 0;
        }
    }
  close (fd);
  log_dir[copied] = '\0';
}

static size_t decimal (char *out, unsigned long value)
{
  char digits[24];
  size_t n = 0, used = 0;
  do
    {
      digits[n++] = (char) ('0' + value % 10);
      value /= 10;
    }
  while (value != 0);
  while (n > 0)
    out[used++] = digits[--n];
  return used;
}

/* Write "key " and the hex of each NUL-separated argument of /proc/self/cmdline. */
static void write_argv (int fd)
{
  int source = open ("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (source < 0)
    return;
  struct line line = { .used = 0 };
  put_text (&line, "argv ");
  char buffer[1024];
  for (;;)
    {
      ssize_t n = read (source, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      for (ssize_t i = 0; i < n; i++)
        {
          if (line.used + 3 > sizeof line.text)
            {
              write_all (fd, line.text, line.used);
              line.used = 0;
            }
          unsigned char c = (unsigned char) buffer[i];
          if (c == '\0')
            put_char (&line, ' ');
          else
            {
              put_char (&line, "0123456789abcdef"[c >> 4]);
              put_char (&line, "0123456789abcdef"[c & 15]);
            }
        }
    }
  close (source);
  put_char (&line, '\n');
  write_all (fd, line.text, line.used);
}

static void write_header (int fd, const char *origin)
{
  struct line line = { .used = 0 };
  put_text (&line, "brkdoc-record 1\npid");
  put_hex (&line, (uintptr_t) getpid ());
  put_text (&line, "\nppid");
  /* A fork child asks no one: its parent may already have exited (and the child been
     adopted) by the time the child runs its fork handler. */
  pid_t parent = origin[0] == 'f' ? forking_pid : getppid ();
  put_hex (&line, (uintptr_t) parent);
  put_text (&line, "\norigin ");
  put_text (&line, origin);
  put_text (&line, "\nexe ");
  write_all (fd, line.text, line.used);
  char exe[1024];
  ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0)
    n = 0;
  exe[n++] = '\n';
  write_all (fd, exe, (size_t) n);
  write_argv (fd);
}

/* Create this image's log, "DIR/PID.N" with the first N not yet taken. */
static void open_log (const char *origin)
{
  if (log_dir[0] == '\0')
    return;
  char *path = log_path;
  size_t base = strlen (log_dir);
  memcpy (path, log_dir, base);
  path[base++] = '/';
  base += decimal (path + base, (unsigned long) getpid ());
  path[base++] = '.';
  for (unsigned long image = 0; image < 100000; image++)
    {
      size_t end = base + decimal (path + base, image);
      path[end] = '\0';
      int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
      if (fd < 0 && errno == EEXIST)
        continue;
      if (fd < 0)
        return;
      fd = move_high (fd);
      write_header (fd, origin);
      log_fd = fd;
      return;
    }
}

static void initialise (const char *origin)
{
  initialised = 1;
  find_log_dir ();
  open_log (origin);
}

static void begin (void)
{
  pthread_mutex_lock (&lock);
  if (!initialised)
    {
      int saved = errno; /* a successful malloc must not leave open()'s errno behind */
      initialise ("exec");
      errno = saved;
    }
}

static void end (void)
{
  pthread_mutex_unlock (&lock);
}

/* Start a line "K T" for the calling thread. */
static void start_line (struct line *line, char kind)
{
  if (my_generation != generation + 1)
    {
      my_generation = generation + 1;
      my_thread = ++threads;
    }
  line->used = 0;
  put_char (line, kind);
  put_hex (line, my_thread);
}

/* The log cannot be written to its end (disk full, file size limit): leave "PID.N.lost"
   beside it, so brkdoc says the trace stops early, and log no more, so that no line is cut
   short in the middle of the log. */
static void give_up (void)
{
  char marker[sizeof log_path + 8];
  size_t used = strlen (log_path);
  memcpy (marker, log_path, used);
  memcpy (marker + used, ".lost", sizeof ".lost");
  int fd = open (marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0)
    close (fd);
  close (log_fd);
  log_fd = -1;
}

static void finish_line (struct line *line)
{
  put_char (line, '\n');
  int error = write_all (log_fd, line->text, line->used);
  if (error == EBADF)
    {
      /* The program closed every descriptor it did not know (a "close all" loop): reopen
         the log by name and go on appending to it. */
      int fd = open (log_path, O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd >= 0)
        {
          log_fd = move_high (fd);
          error = write_all (log_fd, line->text, line->used);
        }
    }
  if (error != 0)
    give_up ();
}

static void log_values (char kind, int count, uintptr_t a, uintptr_t b, uintptr_t c)
{
  if (log_fd < 0)
    return;
  int saved = errno; /* the caller sees the allocator's errno, not write()'s */
  struct line line;
  start_line (&line, kind);
  put_hex (&line, a);
  if (count > 1)
    put_hex (&line, b);
  if (count > 2)
    put_hex (&line, c);
  finish_line (&line);
  errno = saved;
}

static void before_fork (void)
{
  pthread_mutex_lock (&lock);
  forking_pid = getpid ();
}

static void after_fork_parent (void)
{
  pthread_mutex_unlock (&lock);
}

static void after_fork_child (void)
{
  lock = (pthread_mutex_t) PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
  generation++;
  threads = 0;
  if (log_fd >= 0)
    close (log_fd);
  log_fd = -1;
  open_log ("fork"); /* does nothing when this process is not being recorded */
}

__attribute__ ((constructor)) static void brkdoc_record_start (void)
{
  pthread_mutex_lock (&lock);
  if (!initialised)
    initialise ("exec");
  pthread_mutex_unlock (&lock);
  resolve ();
  pthread_atfork (before_fork, after_fork_parent, after_fork_child);
}

void *malloc (size_t size)
{
  begin ();
  void *result = __libc_malloc (size);
  log_values ('m', 2, (uintptr_t) result, size, 0);
  end ();
  return result;
}

void free (void *block)
{
  if (block == NULL)
    return;
  begin ();
  int saved = errno; /* free must not change errno (POSIX 2024); the log write might */
  __libc_free (block);
  errno = saved;
  log_values ('f', 1, (uintptr_t) block, 0, 0);
  end ();
}

void *calloc (size_t count, size_t size)
{
  begin ();
  void *result = __libc_calloc (count, size);
  log_values ('c', 3, (uintptr_t) result, count, size);
  end ();
  return result;
}

void *realloc (void *block, size_t size)
{
  begin ();
  void *result = __libc_realloc (block, size);
  log_values ('r', 3, (uintptr_t) block, (uintptr_t) result, size);
  end ();
  return result;
}

void *memalign (size_t alignment, size_t size)
{
  begin ();
  void *result = __libc_memalign (alignment, size);
  log_values ('A', 3, (uintptr_t) result, alignment, size);
  end ();
  return result;
}

int posix_memalign (void **result, size_t alignment, size_t size)
{
  resolve ();
  begin ();
  int status = next_posix_memalign (result, alignment, size);
  log_values ('A', 3, status == 0 ? (uintptr_t) *result : 0, alignment, size);
  end ();
  return status;
}

void *aligned_alloc (size_t alignment, size_t size)
{
  resolve ();
  begin ();
  void *result = next_aligned_alloc (alignment, size);
  log_values ('A', 3, (uintptr_t) result, alignment, size);
  end ();
  return result;
}

void *valloc (size_t size)
{
  begin ();
  void *result = __libc_valloc (size);
  log_values ('A', 3, (uintptr_t) result, (uintptr_t) getpagesize (), size);
  end ();
  return result;
}

void *pvalloc (size_t size)
{
  begin ();
  void *result = __libc_pvalloc (size);
  log_values ('A', 3, (uintptr_t) result, (uintptr_t) getpagesize (), size);
  end ();
  return result;
}

int mallopt (int param, int value)
{
  begin ();
  int result = __libc_mallopt (param, value);
  log_values ('o', 2, (uintptr_t) (unsigned) param, (uintptr_t) (unsigned) value, 0);
  end ();
  return result;
}

int malloc_trim (size_t pad)
{
  resolve ();
  begin ();
  int result = next_malloc_trim (pad);
  log_values ('t', 1, pad, 0, 0);
  end ();
  return result;
}
