/* Move the program break with the raw brk system call and watch the [heap]
 * line of /proc/self/maps follow it, a whole page at a time.
 * Nothing here calls malloc, so only this program moves the break. */
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char maps[1 << 16];
static char heap_line[512];
static char out[512];

/* printf without stdio's buffer (which malloc would allocate on the heap). */
static void say(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int len = vsnprintf(out, sizeof out, format, args);
    va_end(args);
    if (write(STDOUT_FILENO, out, (size_t)len) != len)
        _exit(1);
}

/* Size in bytes of the [heap] mapping, 0 if there is none; keeps its line. */
static unsigned long heap_size(void)
{
    int fd = open("/proc/self/maps", O_RDONLY);
    ssize_t got, used = 0;
    while ((got = read(fd, maps + used, sizeof maps - 1 - used)) > 0)
        used += got;
    close(fd);
    maps[used] = '\0';
    for (char *line = strtok(maps, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long start, end;
        if (strstr(line, "[heap]") && sscanf(line, "%lx-%lx", &start, &end) == 2) {
            snprintf(heap_line, sizeof heap_line, "%s", line);
            return end - start;
        }
    }
    return 0;
}

static unsigned long start;

static void move_to(unsigned long offset)
{
    unsigned long now = (unsigned long)syscall(SYS_brk, start + offset);
    unsigned long size = heap_size();
    say("brk(start + %5lu) = start + %5lu   [heap] is %5lu bytes = %lu page(s)\n", offset,
        now - start, size, size / 4096);
}

int main(void)
{
    start = (unsigned long)syscall(SYS_brk, 0); /* asking for 0 just reports the break */
    say("brk(0) = %#lx, the start of the heap\n", start);
    say("[heap] is %lu bytes before the break has moved\n", heap_size());
    move_to(4096);
    move_to(10000);
    say("%s\n", heap_line);
    move_to(5000);
    move_to(1);
    move_to(0);
    return 0;
}
