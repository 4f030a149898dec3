/* Map 64 pages, touch them, give them back with madvise, then unmap them.
 * mincore() says which pages of the range are in RAM; VmRSS in
 * /proc/self/status says how much of the whole process is. */
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES 64
#define PAGE 4096

static char text[1 << 16];

/* Read a whole /proc file with open/read into a static buffer (no malloc). */
static char *slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    ssize_t got, used = 0;
    while ((got = read(fd, text + used, sizeof text - 1 - used)) > 0)
        used += got;
    close(fd);
    text[used] = '\0';
    return text;
}

static long vm_rss_kb(void)
{
    return strtol(strstr(slurp("/proc/self/status"), "VmRSS:") + 6, NULL, 10);
}

static int resident_pages(void *addr)
{
    unsigned char in_ram[PAGES];
    if (mincore(addr, PAGES * PAGE, in_ram) != 0)
        return -1; /* not mapped */
    int count = 0;
    for (int i = 0; i < PAGES; i++)
        count += in_ram[i] & 1;
    return count;
}

static void show_mapping_of(void *addr)
{
    for (char *line = strtok(slurp("/proc/self/maps"), "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long start, end;
        if (sscanf(line, "%lx-%lx", &start, &end) == 2 && start <= (unsigned long)addr &&
            (unsigned long)addr < end)
            printf("  its VMA:  %s\n", line);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* no stdio buffer on the heap */
    char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED)
        return 1;
    printf("mmap(NULL, %d, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS) = %p\n",
           PAGES * PAGE, (void *)p);
    show_mapping_of(p);
    printf("  mapped, never touched:   %2d of %d pages in RAM\n", resident_pages(p), PAGES);

    long rss_before = vm_rss_kb();
    for (int i = 0; i < PAGES; i++)
        p[i * PAGE] = 1; /* the first write to a page faults it in */
    long rss_after = vm_rss_kb();
    printf("  one byte written a page: %2d of %d pages in RAM, VmRSS grew by %ld kB\n",
           resident_pages(p), PAGES, rss_after - rss_before);

    rss_before = vm_rss_kb(); /* measured right around the call: printf touches stack too */
    madvise(p, PAGES * PAGE, MADV_DONTNEED);
    long rss_dropped = rss_before - vm_rss_kb();
    int left = resident_pages(p);
    printf("  madvise(MADV_DONTNEED):  %2d of %d pages in RAM, VmRSS fell by %ld kB\n", left,
           PAGES, rss_dropped);
    printf("  the mapping is still there; p[0] now reads %d (a fresh zero page)\n", p[0]);

    munmap(p, PAGES * PAGE);
    printf("  munmap: mincore on the range now says %s\n",
           resident_pages(p) < 0 ? "not mapped" : "still mapped");
    return 0;
}
