/* reader.c - capture input: our own classic-pcap reader (mmap for files, large reads for
 * pipes, both byte orders, micro- and nanosecond magic), pcapng and other formats through
 * libpcap, directories, stdin, memory, and live capture through libpcap. */
#include "sensor/sensor_int.h"
#include "util/alloc.h"
#include "util/strparse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCAP_MAGIC_US 0xa1b2c3d4U
#define PCAP_MAGIC_NS 0xa1b23c4dU
#define PCAPNG_MAGIC  0x0a0d0d0aU
#define STREAM_BUF    ((size_t)4 << 20)
#define NAME_MAX_LEN  4096

enum src_kind { SRC_NONE = 0, SRC_MAP, SRC_STREAM, SRC_PCAP };

struct rk_sensor_reader {
    uint32_t snaplen_max;
    /* the list of files still to read (a directory), or one file */
    char **files;
    size_t n_files, next_file;
    char current[NAME_MAX_LEN];
    /* the open source */
    int kind;
    int fd;
    int own_fd;
    const uint8_t *map; /* SRC_MAP: a mapping or the caller's memory */
    size_t map_len, pos;
    int mapped;   /* map came from mmap */
    uint8_t *buf; /* SRC_STREAM */
    size_t buf_len, buf_pos;
    uint64_t stream_off; /* file offset of buf[0] */
    int eof;
    int swapped, nano;
    uint32_t linktype, snaplen;
    pcap_t *pcap; /* SRC_PCAP and live */
    FILE *pcap_fp;
    /* stdin, or memory, still to be opened */
    int pending_stdin;
    const uint8_t *pending_mem;
    size_t pending_mem_len;
    int live;
    int live_fd;         /* live: the capture's descriptor to wait on, -1 when none */
    int live_timeout_ms; /* live: how long one call waits for a packet */
    volatile sig_atomic_t stop;
    struct rk_sensor_reader_stats st;
};

static inline uint32_t rd32(const uint8_t *p, int swapped)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return swapped ? __builtin_bswap32(v) : v;
}

/* ---- closing and opening sources --------------------------------------------------------- */

static void source_close(struct rk_sensor_reader *r)
{
    if (r->pcap)
        pcap_close(r->pcap);
    if (r->pcap_fp)
        fclose(r->pcap_fp);
    if (r->mapped && r->map)
        munmap((void *)r->map, r->map_len);
    if (r->own_fd && r->fd >= 0)
        close(r->fd);
    rk_free(r->buf);
    r->pcap = NULL;
    r->pcap_fp = NULL;
    r->map = NULL;
    r->mapped = 0;
    r->buf = NULL;
    r->fd = -1;
    r->own_fd = 0;
    r->kind = SRC_NONE;
}

/* Parse the 24-byte classic header; RK_EFORMAT when the magic is not classic pcap. */
static int classic_header(struct rk_sensor_reader *r, const uint8_t *h)
{
    uint32_t magic;

    memcpy(&magic, h, 4);
    r->swapped = 0;
    if (magic == __builtin_bswap32(PCAP_MAGIC_US) || magic == __builtin_bswap32(PCAP_MAGIC_NS)) {
        r->swapped = 1;
        magic = __builtin_bswap32(magic);
    }
    if (magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS)
        return RK_EFORMAT;
    r->nano = magic == PCAP_MAGIC_NS;
    r->snaplen = rd32(h + 16, r->swapped);
    r->linktype = rd32(h + 20, r->swapped) & 0xffff; /* upper bits: FCS information */
    return 0;
}

/* A capture file or memory through libpcap (pcapng and anything else it knows). */
static int open_with_libpcap(struct rk_sensor_reader *r, FILE *fp, struct rk_err *err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";

    r->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!r->pcap) {
        fclose(fp);
        return rk_err_set(err, RK_EFORMAT, "%s: not a pcap or pcapng capture: %s", r->current,
                          errbuf);
    }
    r->linktype = (uint32_t)pcap_datalink(r->pcap);
    r->kind = SRC_PCAP;
    return 0;
}

static int open_mem(struct rk_sensor_reader *r, const uint8_t *data, size_t len, struct rk_err *err)
{
    FILE *fp;

    if (len >= 24 && classic_header(r, data) == 0) {
        r->map = data;
        r->map_len = len;
        r->pos = 24;
        r->kind = SRC_MAP;
        return 0;
    }
    if (len < 4)
        return rk_err_set(err, RK_EFORMAT, "%s: too short for a capture (%zu bytes)", r->current,
                          len);
    fp = fmemopen((void *)data, len, "rb");
    if (!fp)
        return rk_err_set(err, RK_ENOMEM, "%s: fmemopen failed", r->current);
    return open_with_libpcap(r, fp, err);
}

static int open_file(struct rk_sensor_reader *r, const char *path, struct rk_err *err)
{
    struct stat st;
    uint8_t head[24];
    ssize_t got;
    void *map;

    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0)
        return rk_err_set(err, RK_EIO, "cannot open %s: %s", path, strerror(errno));
    r->own_fd = 1;
    if (fstat(r->fd, &st) != 0)
        return rk_err_set(err, RK_EIO, "cannot stat %s: %s", path, strerror(errno));
    got = pread(r->fd, head, sizeof(head), 0);
    if (got == (ssize_t)sizeof(head) && S_ISREG(st.st_mode) && classic_header(r, head) == 0) {
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, r->fd, 0);
        if (map == MAP_FAILED)
            return rk_err_set(err, RK_EIO, "cannot map %s: %s", path, strerror(errno));
        madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL | MADV_WILLNEED);
        r->map = map;
        r->map_len = (size_t)st.st_size;
        r->mapped = 1;
        r->pos = 24;
        r->kind = SRC_MAP;
        return 0;
    }
    if (got < 4)
        return rk_err_set(err, RK_EFORMAT, "%s: too short for a capture", path);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return rk_err_set(err, RK_EIO, "cannot open %s: %s", path, strerror(errno));
    return open_with_libpcap(r, fp, err);
}

/* ---- stdin: classic pcap read in large blocks; anything else handed to libpcap ----------- */

static ssize_t stream_fill(struct rk_sensor_reader *r, size_t need)
{
    size_t have = r->buf_len - r->buf_pos;

    if (have >= need || r->eof)
        return (ssize_t)have;
    if (r->buf_pos > 0) {
        memmove(r->buf, r->buf + r->buf_pos, have);
        r->stream_off += r->buf_pos;
        r->buf_len = have;
        r->buf_pos = 0;
    }
    while (r->buf_len < need && !r->eof) {
        ssize_t n = read(r->fd, r->buf + r->buf_len, STREAM_BUF - r->buf_len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            r->eof = 1;
        r->buf_len += (size_t)n;
    }
    return (ssize_t)(r->buf_len - r->buf_pos);
}

/* fopencookie read: first the bytes already buffered, then the descriptor. */
static ssize_t cookie_read(void *c, char *out, size_t n)
{
    struct rk_sensor_reader *r = c;
    size_t have = r->buf_len - r->buf_pos;

    if (have > 0) {
        if (n > have)
            n = have;
        memcpy(out, r->buf + r->buf_pos, n);
        r->buf_pos += n;
        return (ssize_t)n;
    }
    return read(r->fd, out, n);
}

static int open_stdin(struct rk_sensor_reader *r, struct rk_err *err)
{
    cookie_io_functions_t io = {cookie_read, NULL, NULL, NULL};
    ssize_t have;
    FILE *fp;

    r->fd = STDIN_FILENO;
    r->buf = rk_malloc(STREAM_BUF);
    if (!r->buf)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    r->kind = SRC_STREAM;
    if ((have = stream_fill(r, 24)) < 0)
        return rk_err_set(err, RK_EIO, "cannot read stdin: %s", strerror(errno));
    if (have >= 24 && classic_header(r, r->buf) == 0) {
        r->buf_pos = 24;
        return 0;
    }
    if (have < 4)
        return rk_err_set(err, RK_EFORMAT, "stdin: too short for a capture");
    fp = fopencookie(r, "rb", io);
    if (!fp)
        return rk_err_set(err, RK_ENOMEM, "fopencookie failed");
    return open_with_libpcap(r, fp, err);
}

/* ---- records ------------------------------------------------------------------------------ */

/* Fill frame from a 16-byte record header; RK_EFORMAT when its length cannot be right. */
static int record_header(struct rk_sensor_reader *r, const uint8_t *h, uint64_t off,
                         struct rk_sensor_frame *f, struct rk_err *err)
{
    uint32_t sec = rd32(h, r->swapped), frac = rd32(h + 4, r->swapped);
    uint32_t incl = rd32(h + 8, r->swapped), orig = rd32(h + 12, r->swapped);

    if (incl > r->snaplen_max) {
        rk_err_set(err, RK_EFORMAT,
                   "%s: record of %u bytes exceeds the snaplen cap %u; the rest of the file "
                   "cannot be framed",
                   r->current, incl, r->snaplen_max);
        rk_err_set_offset(err, (long long)off);
        return RK_EFORMAT;
    }
    if (r->snaplen && incl > r->snaplen)
        r->st.over_snaplen++;
    f->ts_ns = (int64_t)sec * 1000000000LL + (int64_t)frac * (r->nano ? 1 : 1000);
    f->linktype = r->linktype;
    f->caplen = incl;
    f->wirelen = orig < incl ? incl : orig;
    return 0;
}

static int next_map(struct rk_sensor_reader *r, struct rk_sensor_frame *f, struct rk_err *err)
{
    int rc;

    if (r->pos == r->map_len)
        return 0;
    if (r->map_len - r->pos < 16) {
        r->st.truncated_records++;
        r->pos = r->map_len;
        return 0;
    }
    if ((rc = record_header(r, r->map + r->pos, r->pos, f, err)) != 0) {
        r->st.oversize_records++;
        return rc;
    }
    if (r->map_len - r->pos - 16 < f->caplen) {
        r->st.truncated_records++;
        r->pos = r->map_len;
        return 0;
    }
    f->data = r->map + r->pos + 16;
    r->pos += 16 + (size_t)f->caplen;
    return 1;
}

static int next_stream(struct rk_sensor_reader *r, struct rk_sensor_frame *f, struct rk_err *err)
{
    ssize_t have = stream_fill(r, 16);
    int rc;

    if (have < 0)
        return rk_err_set(err, RK_EIO, "%s: read failed: %s", r->current, strerror(errno));
    if (have == 0)
        return 0;
    if (have < 16) {
        r->st.truncated_records++;
        return 0;
    }
    if ((rc = record_header(r, r->buf + r->buf_pos, r->stream_off + r->buf_pos, f, err)) != 0) {
        r->st.oversize_records++;
        return rc;
    }
    have = stream_fill(r, 16 + (size_t)f->caplen);
    if (have < 0)
        return rk_err_set(err, RK_EIO, "%s: read failed: %s", r->current, strerror(errno));
    if ((size_t)have < 16 + (size_t)f->caplen) {
        r->st.truncated_records++;
        return 0;
    }
    f->data = r->buf + r->buf_pos + 16;
    r->buf_pos += 16 + (size_t)f->caplen;
    return 1;
}

static int next_pcap(struct rk_sensor_reader *r, struct rk_sensor_frame *f, struct rk_err *err)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;

    if (r->stop)
        return 0;
    rc = pcap_next_ex(r->pcap, &h, &data);
    if (rc == 0 && r->live && r->live_fd >= 0) {
        /* non-blocking: wait here, so that a quiet link still returns every timeout (a
         * blocking read may wait for the first packet however long that takes) */
        struct pollfd pfd = {r->live_fd, POLLIN, 0};

        poll(&pfd, 1, r->live_timeout_ms);
    }
    if (rc == 0)
        return 2; /* live: buffer timeout */
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    if (rc < 0) {
        const char *msg = pcap_geterr(r->pcap);

        /* libpcap reports a record cut by the end of the file as an error */
        if (!r->live && strstr(msg, "truncated")) {
            r->st.truncated_records++;
            return 0;
        }
        return rk_err_set(err, RK_EFORMAT, "%s: %s", r->current, msg);
    }
    if (h->caplen > r->snaplen_max) {
        r->st.oversize_records++;
        return rk_err_set(err, RK_EFORMAT, "%s: record of %u bytes exceeds the snaplen cap %u",
                          r->current, h->caplen, r->snaplen_max);
    }
    /* pcapng carries 64-bit times: keep absurd ones representable (the engine rejects them) */
    if (h->ts.tv_sec < 0 || h->ts.tv_sec > INT64_MAX / 1000000000LL - 1)
        f->ts_ns = 0;
    else
        f->ts_ns = (int64_t)h->ts.tv_sec * 1000000000LL +
                   (int64_t)h->ts.tv_usec * (r->live && !r->nano ? 1000 : 1);
    f->linktype = r->linktype;
    f->caplen = h->caplen;
    f->wirelen = h->len < h->caplen ? h->caplen : h->len;
    f->data = data;
    return 1;
}

/* ---- the file list ------------------------------------------------------------------------ */

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_file(struct rk_sensor_reader *r, const char *path)
{
    char **files = rk_reallocarray(r->files, r->n_files + 1, sizeof(*files));

    if (!files)
        return RK_ENOMEM;
    r->files = files;
    if (!(files[r->n_files] = rk_strdup(path)))
        return RK_ENOMEM;
    r->n_files++;
    return 0;
}

static int list_dir(struct rk_sensor_reader *r, const char *dir, struct rk_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[NAME_MAX_LEN];
    struct stat st;
    size_t first = r->n_files;
    int rc = 0;

    if (!d)
        return rk_err_set(err, RK_EIO, "cannot open directory %s: %s", dir, strerror(errno));
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
            continue;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            rc = add_file(r, path);
    }
    closedir(d);
    if (rc != 0)
        return rk_err_set(err, rc, "out of memory");
    qsort(r->files + first, r->n_files - first, sizeof(char *), cmp_name);
    return 0;
}

/* Open the next file of the list (or stdin / memory). 1 opened, 0 nothing left, <0 error. */
static int open_next(struct rk_sensor_reader *r, struct rk_err *err)
{
    int rc;

    if (r->pending_stdin || r->pending_mem) {
        int is_stdin = r->pending_stdin;

        r->pending_stdin = 0;
        r->st.files++;
        rc = is_stdin ? open_stdin(r, err) : open_mem(r, r->pending_mem, r->pending_mem_len, err);
        r->pending_mem = NULL;
        return rc == 0 ? 1 : rc;
    }
    if (r->next_file >= r->n_files)
        return 0;
    rk_strlcpy(r->current, r->files[r->next_file++], sizeof(r->current));
    r->st.files++;
    if ((rc = open_file(r, r->current, err)) != 0)
        return rc;
    return 1;
}

static struct rk_sensor_reader *reader_alloc(const struct rk_sensor_config *cfg)
{
    struct rk_sensor_reader *r = rk_calloc(1, sizeof(*r));
    struct rk_sensor_config def;

    if (!r)
        return NULL;
    if (!cfg) {
        rk_sensor_config_init(&def);
        cfg = &def;
    }
    r->snaplen_max = cfg->snaplen_max;
    r->fd = -1;
    return r;
}

int rk_sensor_reader_open(struct rk_sensor_reader **out, const char *path,
                          const struct rk_sensor_config *cfg, struct rk_err *err)
{
    struct rk_sensor_reader *r = reader_alloc(cfg);
    struct stat st;
    int rc = RK_ENOMEM;

    *out = NULL;
    if (!r)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if (strcmp(path, "-") == 0) {
        r->pending_stdin = 1;
        rk_strlcpy(r->current, "-", sizeof(r->current));
    } else if (stat(path, &st) != 0) {
        rc = rk_err_set(err, RK_EIO, "cannot open %s: %s", path, strerror(errno));
        goto fail;
    } else if (S_ISDIR(st.st_mode)) {
        if ((rc = list_dir(r, path, err)) != 0)
            goto fail;
    } else if ((rc = add_file(r, path)) != 0) {
        rk_err_set(err, rc, "out of memory");
        goto fail;
    }
    *out = r;
    return 0;
fail:
    rk_sensor_reader_free(r);
    return rc;
}

int rk_sensor_reader_open_mem(struct rk_sensor_reader **out, const uint8_t *data, size_t len,
                              const struct rk_sensor_config *cfg, struct rk_err *err)
{
    struct rk_sensor_reader *r = reader_alloc(cfg);

    *out = NULL;
    if (!r)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    r->pending_mem = data ? data : (const uint8_t *)"";
    r->pending_mem_len = data ? len : 0;
    rk_strlcpy(r->current, "<memory>", sizeof(r->current));
    *out = r;
    return 0;
}

int rk_sensor_reader_next(struct rk_sensor_reader *r, struct rk_sensor_frame *frame,
                          struct rk_err *err)
{
    int rc;

    for (;;) {
        if (r->kind == SRC_NONE) {
            if (r->live)
                return 0;
            if ((rc = open_next(r, err)) <= 0) {
                if (rc < 0) {
                    r->st.bad_files++;
                    source_close(r);
                }
                return rc;
            }
        }
        if (r->kind == SRC_MAP)
            rc = next_map(r, frame, err);
        else if (r->kind == SRC_STREAM)
            rc = next_stream(r, frame, err);
        else
            rc = next_pcap(r, frame, err);
        if (rc == 1) {
            r->st.records++;
            r->st.bytes += frame->caplen;
            return 1;
        }
        if (rc == 2)
            return 2;
        if (rc < 0)
            r->st.bad_files++;
        source_close(r);
        if (rc < 0 || r->live)
            return rc;
    }
}

/* The next record if it is whole, valid and already in memory (a stream's buffer is not
 * refilled: that would move the frames handed out before it). 1 or 0; anything else is left
 * for rk_sensor_reader_next to report. */
static int next_in_memory(struct rk_sensor_reader *r, struct rk_sensor_frame *f)
{
    const uint8_t *base = r->kind == SRC_MAP ? r->map : r->buf;
    size_t *pos = r->kind == SRC_MAP ? &r->pos : &r->buf_pos;
    size_t len = r->kind == SRC_MAP ? r->map_len : r->buf_len;
    struct rk_err ignored;

    if (len - *pos < 16)
        return 0;
    if (rd32(base + *pos + 8, r->swapped) > len - *pos - 16 ||
        record_header(r, base + *pos, 0, f, &ignored) != 0)
        return 0;
    f->data = base + *pos + 16;
    *pos += 16 + (size_t)f->caplen;
    return 1;
}

int rk_sensor_reader_next_batch(struct rk_sensor_reader *r, struct rk_sensor_frame *frames,
                                size_t max, size_t *n_out, struct rk_err *err)
{
    size_t n = 0;
    int rc;

    *n_out = 0;
    if (max == 0)
        return rk_err_set(err, RK_EINVAL, "batch of 0 frames");
    if ((rc = rk_sensor_reader_next(r, &frames[0], err)) != 1)
        return rc;
    n = 1;
    while (n < max && (r->kind == SRC_MAP || r->kind == SRC_STREAM)) {
        if (next_in_memory(r, &frames[n]) != 1)
            break;
        r->st.records++;
        r->st.bytes += frames[n].caplen;
        n++;
    }
    *n_out = n;
    return 1;
}

void rk_sensor_reader_stop(struct rk_sensor_reader *r)
{
    r->stop = 1;
    if (r->pcap)
        pcap_breakloop(r->pcap);
}

const struct rk_sensor_reader_stats *rk_sensor_reader_stats(const struct rk_sensor_reader *r)
{
    struct rk_sensor_reader *w = (struct rk_sensor_reader *)r;
    struct pcap_stat ps;

    if (r->live && r->pcap && pcap_stats(r->pcap, &ps) == 0)
        w->st.kernel_drops = ps.ps_drop;
    return &r->st;
}

const char *rk_sensor_reader_current(const struct rk_sensor_reader *r)
{
    return r->current;
}

void rk_sensor_reader_free(struct rk_sensor_reader *r)
{
    if (!r)
        return;
    source_close(r);
    for (size_t i = 0; i < r->n_files; i++)
        rk_free(r->files[i]);
    rk_free(r->files);
    rk_free(r);
}

/* ---- live capture ------------------------------------------------------------------------- */

static int live_setup(struct rk_sensor_reader *r, const struct rk_sensor_live_options *opt,
                      struct rk_err *err)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct bpf_program prog;
    int rc;

    pcap_set_snaplen(r->pcap, opt->snaplen > 0 ? opt->snaplen : 65535);
    pcap_set_promisc(r->pcap, opt->promisc ? 1 : 0);
    pcap_set_timeout(r->pcap, opt->timeout_ms > 0 ? opt->timeout_ms : 100);
    r->nano = pcap_set_tstamp_precision(r->pcap, PCAP_TSTAMP_PRECISION_NANO) == 0;
    rc = pcap_activate(r->pcap);
    if (rc < 0)
        return rk_err_set(err, RK_EIO, "cannot capture on %s: %s", opt->ifname,
                          pcap_geterr(r->pcap));
    r->linktype = (uint32_t)pcap_datalink(r->pcap);
    r->live_timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : 100;
    /* without a descriptor to wait on, stay blocking (non-blocking reads would spin) */
    if (pcap_setnonblock(r->pcap, 1, errbuf) == 0 &&
        (r->live_fd = pcap_get_selectable_fd(r->pcap)) < 0)
        pcap_setnonblock(r->pcap, 0, errbuf);
    if (opt->filter && *opt->filter) {
        if (pcap_compile(r->pcap, &prog, opt->filter, 1, PCAP_NETMASK_UNKNOWN) != 0)
            return rk_err_set(err, RK_EFORMAT, "bad capture filter \"%s\": %s", opt->filter,
                              pcap_geterr(r->pcap));
        rc = pcap_setfilter(r->pcap, &prog);
        pcap_freecode(&prog);
        if (rc != 0)
            return rk_err_set(err, RK_EIO, "cannot set the capture filter: %s",
                              pcap_geterr(r->pcap));
    }
    return 0;
}

int rk_sensor_reader_open_live(struct rk_sensor_reader **out,
                               const struct rk_sensor_live_options *opt, struct rk_err *err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    struct rk_sensor_reader *r = reader_alloc(NULL);
    int rc;

    *out = NULL;
    if (!r)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    r->live = 1;
    r->live_fd = -1;
    rk_strlcpy(r->current, opt->ifname ? opt->ifname : "", sizeof(r->current));
    r->pcap = pcap_create(opt->ifname, errbuf);
    if (!r->pcap) {
        rc = rk_err_set(err, RK_EIO, "cannot capture on %s: %s", opt->ifname, errbuf);
        goto fail;
    }
    r->kind = SRC_PCAP;
    if ((rc = live_setup(r, opt, err)) != 0)
        goto fail;
    /* the capture is open: from here on we need no privileges */
    if ((rc = rk_sensor_drop_privileges(opt->user, err)) != 0)
        goto fail;
    *out = r;
    return 0;
fail:
    rk_sensor_reader_free(r);
    return rc;
}
