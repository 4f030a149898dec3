/* mmap works in whole pages: a 10000-byte request gets three 4096-byte pages,
 * and munmap of 10000 bytes takes all three away again. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static int mapped(void *page)
{
    unsigned char in_ram;
    return mincore(page, 4096, &in_ram) == 0; /* fails with ENOMEM where nothing is mapped */
}

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    printf("page size %ld; mmap(NULL, 10000, ...) = %p, %s\n", page, (void *)p,
           (unsigned long)p % page == 0 ? "page aligned" : "not page aligned");
    p[12287] = 7; /* the last byte of the third page: inside the mapping */
    printf("byte 12287 is usable: it holds %d\n", p[12287]);
    printf("pages 1-3 mapped: %d %d %d\n", mapped(p), mapped(p + 4096), mapped(p + 8192));
    munmap(p, 10000);
    printf("after munmap(p, 10000), pages 1-3 mapped: %d %d %d\n", mapped(p), mapped(p + 4096),
           mapped(p + 8192));
    return 0;
}
