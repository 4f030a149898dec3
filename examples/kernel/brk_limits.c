/* Two things stop the break: another mapping just above the heap, and
 * RLIMIT_DATA. The raw system call shows each refusal as "break unchanged". */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KiB 1024UL

static char *start;

static void try_break(const char *why, unsigned long offset)
{
    char *got = (char *)syscall(SYS_brk, start + offset);
    printf("%-34s brk(start + %4lu KiB) -> break at start + %4lu KiB (%s)\n", why,
           offset / KiB, (unsigned long)(got - start) / KiB,
           got == start + offset ? "moved" : "refused");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* no stdio buffer on the heap */
    start = (char *)syscall(SYS_brk, 0);

    /* 1. Put one page of someone else's memory 64 KiB above the heap start. */
    void *wall = mmap(start + 64 * KiB, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
                      MAP_FIXED_NOREPLACE, -1, 0);
    if (wall != start + 64 * KiB)
        return 1;
    try_break("a mapping sits at start + 64 KiB:", 60 * KiB);
    try_break("", 64 * KiB);
    try_break("", 128 * KiB);
    munmap(wall, 4096);
    try_break("the mapping is gone:", 128 * KiB);
    syscall(SYS_brk, start);

    /* 2. Cap the data size (heap plus private writable mappings) at 4 MiB. */
    struct rlimit cap = {.rlim_cur = 4096 * KiB, .rlim_max = 4096 * KiB};
    setrlimit(RLIMIT_DATA, &cap);
    try_break("RLIMIT_DATA is 4 MiB:", 1024 * KiB);
    try_break("", 8192 * KiB);
    void *big = mmap(NULL, 8192 * KiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    printf("%-34s mmap(8 MiB, private, writable) %s\n", "",
           big == MAP_FAILED ? "failed" : "worked");
    return 0;
}
