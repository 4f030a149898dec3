/* The source document's example: one small and one large malloc. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    void *small = malloc(1024); /* carved from the heap that brk() grows */
    printf("Small (1KB): %p\n", small);

    void *large = malloc(256 * 1024); /* above the mmap threshold: its own mapping */
    printf("Large (256KB): %p\n", large);

    free(large); /* glibc hands the mapping back with munmap() */
    free(small); /* kept by malloc for reuse: no system call */
    return 0;
}
