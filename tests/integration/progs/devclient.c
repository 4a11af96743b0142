/* devclient: opens /dev/echo (served by devecho, not vfs) through the POSIX file API. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void show(int fd)
{
    char buf[128];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("read: %s\n", buf);
}

int main(void)
{
    int fd = open("/dev/echo", O_RDWR);
    if (fd < 0) {
        perror("devclient: open /dev/echo");
        return 1;
    }
    printf("write: %zd\n", write(fd, "hi", 2));
    show(fd);
    close(fd);
    fd = open("/dev/echo", O_RDWR);
    show(fd);
    close(fd);
    return 0;
}
