/* The same system call behind three different return conventions:
 * the raw brk system call, glibc's brk() wrapper, and glibc's sbrk(). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* no stdio buffer on the heap */
    char *start = sbrk(0);
    int on_the_stack = 0;

    /* The raw system call always answers with the break as it now is. */
    char *raw = (char *)syscall(SYS_brk, 0);
    printf("raw brk(0)                = start + %td (asking for 0 only reports)\n", raw - start);
    raw = (char *)syscall(SYS_brk, start + 4096);
    printf("raw brk(start + 4096)     = start + %td (success: the new break)\n", raw - start);
    raw = (char *)syscall(SYS_brk, (char *)&on_the_stack);
    printf("raw brk(a stack address)  = start + %td (refused: the break as it was)\n",
           raw - start);
    syscall(SYS_brk, start); /* put it back where glibc last saw it */

    /* glibc's brk() turns that into 0 or -1 with errno. */
    int rc = brk(start + 8192);
    printf("brk(start + 8192)         = %d\n", rc);
    errno = 0;
    rc = brk(&on_the_stack);
    printf("brk(a stack address)      = %d, errno %s\n", rc, strerror(errno));

    /* sbrk() moves the break by an increment and returns the OLD break. */
    char *old = sbrk(4096);
    char *now = sbrk(0);
    printf("sbrk(4096)                = start + %td (the old break)\n", old - start);
    printf("sbrk(0)                   = start + %td (the new break)\n", now - start);
    return 0;
}
