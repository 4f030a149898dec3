/* The same program for every allocator: a hundred small blocks, one medium (256 KiB), one large
 * (4 MiB) and one huge (64 MiB). Each step announces itself with write(2), which strace does not
 * trace here, so its line lands between the brk/mmap/munmap calls that step caused. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void say(const char *text) { write(1, text, strlen(text)); }

int main(void) {
    void *small[100];
    say("-- 100 x malloc(64)\n");
    for (int i = 0; i < 100; i++) small[i] = malloc(64);
    say("-- malloc(256 KiB)\n");
    void *medium = malloc(256 * 1024);
    say("-- malloc(4 MiB)\n");
    void *large = malloc(4 * 1024 * 1024);
    say("-- malloc(64 MiB)\n");
    void *huge = malloc(64 * 1024 * 1024);
    say("-- free(64 MiB)\n");
    free(huge);
    say("-- free(4 MiB)\n");
    free(large);
    say("-- free(256 KiB)\n");
    free(medium);
    say("-- free the small blocks\n");
    for (int i = 0; i < 100; i++) free(small[i]);
    say("-- exit\n");
    return 0;
}
