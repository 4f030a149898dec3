/* Where do mappings land? Ask for three pages, one after another, and let
 * the kernel choose: each lands just below the one before. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    char *first = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *second = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *third = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int local;
    printf("first  %p\nsecond %p (first - %td)\nthird  %p (second - %td)\n", (void *)first,
           (void *)second, first - second, (void *)third, second - third);
    printf("the program break is at %p, the stack is near %p\n", sbrk(0), (void *)&local);
    return 0;
}
