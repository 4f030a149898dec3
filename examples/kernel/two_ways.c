/* The kernel's two ways to hand a process memory, side by side:
 * move the program break with sbrk(), or map fresh pages with mmap().
 * Each block is then looked up in /proc/self/maps to see where it landed. */
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char maps[1 << 16];

/* Print the /proc/self/maps line whose address range holds addr. It reads with
 * open/read into a static buffer, so looking does not call malloc. */
static void print_mapping_of(const void *addr)
{
    int fd = open("/proc/self/maps", O_RDONLY);
    ssize_t got, used = 0;
    while ((got = read(fd, maps + used, sizeof maps - 1 - used)) > 0)
        used += got;
    close(fd);
    maps[used] = '\0';
    for (char *line = strtok(maps, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long start, end;
        if (sscanf(line, "%lx-%lx", &start, &end) == 2 && start <= (unsigned long)addr &&
            (unsigned long)addr < end)
            printf("      in: %s\n", line);
    }
}

int main(void)
{
    char *old_break = sbrk(0);
    char *from_brk = sbrk(8192); /* the old break: the new bytes start there */
    char *new_break = sbrk(0);
    char *from_mmap = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                           -1, 0);
    if (from_brk == (void *)-1 || from_mmap == MAP_FAILED)
        return 1;
    from_brk[0] = from_mmap[0] = 1; /* both are ordinary, writable memory */

    printf("brk:  sbrk(8192) returned %p (the old break was %p)\n", from_brk, old_break);
    printf("      the break moved by %ld bytes\n", (long)(new_break - old_break));
    print_mapping_of(from_brk);
    printf("mmap: mmap(8192) returned %p\n", from_mmap);
    print_mapping_of(from_mmap);
    munmap(from_mmap, 8192);
    return 0;
}
