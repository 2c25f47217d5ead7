/* gen_match.c - deterministic data for bench/match.
 *
 *     gen_match KIND COUNT SEED [LISTFILE]
 *
 * KIND:
 *   cidrs    COUNT IPv4 CIDRs: 60% /32, 25% /24, the rest /16../23 (uniform)
 *   ips      COUNT IPv4 lines: half uniform, half inside a CIDR of LISTFILE
 *   domains  COUNT registrable-looking domains (2..3 labels)
 *   names    COUNT query names: 10% listed, 30% subdomains of listed, 60% unlisted
 *   sha256   COUNT SHA-256 hex digests
 *   hashq    COUNT SHA-256 lookups: 1% from LISTFILE, 99% random (misses)
 * Output goes to stdout, one value per line. The same SEED gives the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static uint64_t next(void) /* splitmix64 */
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
    return next() % n;
}

/* Lines of a file, kept in memory. */
static char **lines;
static size_t n_lines;

static void load(const char *path)
{
    FILE *f = fopen(path, "r");
    char buf[512];
    size_t cap = 0;

    if (!f) {
        perror(path);
        exit(2);
    }
    while (fgets(buf, sizeof(buf), f)) {
        buf[strcspn(buf, "\r\n")] = '\0';
        if (n_lines == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            lines = realloc(lines, cap * sizeof(*lines));
        }
        lines[n_lines++] = strdup(buf);
    }
    fclose(f);
    if (n_lines == 0) {
        fprintf(stderr, "%s: empty\n", path);
        exit(2);
    }
}

static void put_ip(uint32_t a, const char *end)
{
    printf("%u.%u.%u.%u%s", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, end);
}

static void gen_cidrs(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = below(100);
        unsigned len = r < 60 ? 32 : r < 85 ? 24 : 16 + (unsigned)below(8);
        uint32_t a = (uint32_t)next() & (len == 32 ? 0xffffffffu : ~(0xffffffffu >> len));

        put_ip(a, "");
        printf("/%u\n", len);
    }
}

static uint32_t parse_ip(const char *s, unsigned *len)
{
    unsigned p[4] = {0}, i = 0;

    *len = 32;
    for (; *s && i < 4; s++) {
        if (*s == '.')
            i++;
        else if (*s == '/')
            break;
        else
            p[i] = p[i] * 10 + (unsigned)(*s - '0');
    }
    if (*s == '/')
        *len = (unsigned)strtoul(s + 1, NULL, 10);
    return p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void gen_ips(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        uint32_t a = (uint32_t)next();

        if (next() & 1) {
            unsigned len;
            uint32_t base = parse_ip(lines[below(n_lines)], &len);

            a = len == 32 ? base : base | (a & (0xffffffffu >> len));
        }
        put_ip(a, "\n");
    }
}

static void put_label(unsigned min, unsigned max)
{
    static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned len = min + (unsigned)below(max - min + 1);

    for (unsigned i = 0; i < len; i++)
        putchar(al[below(i == 0 ? 26 : 36)]);
}

static const char *const tlds[] = {"com", "net", "org", "info", "ru", "cn", "top", "xyz",
                                   "de", "jp", "in", "au", "io", "co.uk", "com.br", "online"};

static void gen_domains(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        if (below(4) == 0) {
            put_label(3, 10);
            putchar('.');
        }
        put_label(5, 14);
        printf(".%s\n", tlds[below(sizeof(tlds) / sizeof(tlds[0]))]);
    }
}

static void gen_names(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = below(10);

        if (r == 0) {
            printf("%s\n", lines[below(n_lines)]);
        } else if (r < 4) {
            put_label(1, 8);
            printf(".%s\n", lines[below(n_lines)]);
        } else {
            if (below(2) == 0) {
                put_label(1, 6);
                putchar('.');
            }
            put_label(5, 14);
            printf(".%s\n", tlds[below(sizeof(tlds) / sizeof(tlds[0]))]);
        }
    }
}

static void put_hex(unsigned bytes)
{
    static const char hex[] = "0123456789abcdef";

    for (unsigned i = 0; i < bytes; i++) {
        unsigned b = (unsigned)below(256);
        putchar(hex[b >> 4]);
        putchar(hex[b & 15]);
    }
    putchar('\n');
}

static void gen_hashq(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        if (below(100) == 0)
            printf("%s\n", lines[below(n_lines)]);
        else
            put_hex(32);
    }
}

int main(int argc, char **argv)
{
    static char obuf[1 << 20];
    uint64_t n;

    if (argc < 4) {
        fprintf(stderr, "usage: gen_match KIND COUNT SEED [LISTFILE]\n");
        return 2;
    }
    setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
    n = strtoull(argv[2], NULL, 10);
    state = strtoull(argv[3], NULL, 10);
    if (argc > 4)
        load(argv[4]);
    if (strcmp(argv[1], "cidrs") == 0)
        gen_cidrs(n);
    else if (strcmp(argv[1], "ips") == 0 && n_lines)
        gen_ips(n);
    else if (strcmp(argv[1], "domains") == 0)
        gen_domains(n);
    else if (strcmp(argv[1], "names") == 0 && n_lines)
        gen_names(n);
    else if (strcmp(argv[1], "sha256") == 0)
        for (uint64_t i = 0; i < n; i++)
            put_hex(32);
    else if (strcmp(argv[1], "hashq") == 0 && n_lines)
        gen_hashq(n);
    else {
        fprintf(stderr, "gen_match: unknown kind or missing LISTFILE\n");
        return 2;
    }
    return fflush(stdout) == 0 ? 0 : 2;
}
