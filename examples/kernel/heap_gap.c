/* How far above the end of the program's own data does the heap start? */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char end; /* set by the linker: the first byte after .bss */

int main(void)
{
    unsigned long bss_end = ((unsigned long)&end + 4095) & ~4095UL; /* round up to a page */
    unsigned long heap_start = (unsigned long)syscall(SYS_brk, 0);
    printf("the heap starts %lu pages above the end of .bss\n", (heap_start - bss_end) / 4096);
    return 0;
}
