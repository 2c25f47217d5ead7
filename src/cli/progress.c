/* progress.c - a one-line progress bar on stderr, redrawn at most ten times a second. */
#include "cli.h"

static void draw(struct cli_progress *p, unsigned long long done, unsigned long long items,
                 int final)
{
    double elapsed = cli_now() - p->started;
    double rate = elapsed > 0 ? (double)items / elapsed : 0;
    char bar[31];
    int filled = 0;

    if (p->total > 0) {
        filled = (int)(30.0 * (double)(done > p->total ? p->total : done) / (double)p->total);
        for (int i = 0; i < 30; i++)
            bar[i] = i < filled ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "\r%s [%s] %5.1f%%  %llu %s  %.0f/s ", p->label, bar,
                100.0 * (double)done / (double)p->total, items, p->unit, rate);
    } else {
        fprintf(stderr, "\r%s %.1f MB  %llu %s  %.0f/s ", p->label, (double)done / 1e6, items,
                p->unit, rate);
    }
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

void cli_progress_start(struct cli_progress *p, struct rk_cli *cli, const char *label,
                        unsigned long long total)
{
    p->enabled = cli->stderr_tty && !cli->quiet;
    p->label = label;
    p->unit = "objects";
    p->total = total;
    p->started = cli_now();
    p->last_draw = 0;
}

void cli_progress_update(struct cli_progress *p, unsigned long long done,
                         unsigned long long items)
{
    double now;

    if (!p->enabled)
        return;
    now = cli_now();
    if (now - p->last_draw < 0.1)
        return;
    p->last_draw = now;
    draw(p, done, items, 0);
}

void cli_progress_finish(struct cli_progress *p)
{
    if (p->enabled)
        fputs("\r\033[K", stderr); /* clear the line; the summary follows */
}
