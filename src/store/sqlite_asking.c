/* sqlite_asking.c - a process waiting for the store says so, and a handle that has the store
 * alone until asked (RK_STORE_ALONE_WHEN_IDLE) hears it.
 *
 * A handle that waits for another process's lock (wait_for_lock in sqlite_open.c) holds a
 * read lock on the first byte of renkei.db-waiting until its wait is over. The locks are
 * open-file-description locks (F_OFD_SETLK): a handle in the same process sees them too, and
 * closing this file leaves SQLite's own POSIX locks on the database alone (closing any
 * descriptor of a file would drop those). The handle that has the store alone asks, after each
 * commit, whether anyone holds such a lock (F_OFD_GETLK), and if so gives the store back. */
#include "store/sqlite.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* The file next to the database: renkei.db-waiting. */
static int waiting_path(const struct rk_sqlite *s, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s-waiting", s->path);

    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* A descriptor of the file, created 0600 when absent; read-only when it cannot be written. */
static int open_waiting(const struct rk_sqlite *s)
{
    char path[4096];
    int fd;

    if (waiting_path(s, path, sizeof(path)) != 0)
        return -1;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    return fd >= 0 ? fd : open(path, O_RDONLY | O_CLOEXEC);
}

void rk_sqlite_ask_for_store(struct rk_sqlite *s)
{
    struct flock l = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};

    if (s->asking_fd >= 0 || (s->asking_fd = open_waiting(s)) < 0)
        return;
    if (fcntl(s->asking_fd, F_OFD_SETLK, &l) != 0) {
        close(s->asking_fd);
        s->asking_fd = -1;
    }
}

void rk_sqlite_stop_asking(struct rk_sqlite *s)
{
    if (s->asking_fd < 0)
        return;
    close(s->asking_fd); /* drops the lock */
    s->asking_fd = -1;
}

int rk_sqlite_listen_for_askers(struct rk_sqlite *s)
{
    if (s->askers_fd < 0)
        s->askers_fd = open_waiting(s);
    return s->askers_fd >= 0 ? 0 : -1;
}

void rk_sqlite_stop_listening(struct rk_sqlite *s)
{
    if (s->askers_fd >= 0)
        close(s->askers_fd);
    s->askers_fd = -1;
}

int rk_sqlite_someone_asks(struct rk_sqlite *s)
{
    struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};

    if (s->askers_fd < 0)
        return 0;
    return fcntl(s->askers_fd, F_OFD_GETLK, &l) == 0 && l.l_type != F_UNLCK;
}
