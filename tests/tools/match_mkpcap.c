/* match_mkpcap.c - write the sample capture of the match tests (see pcapgen.h for its packets):
 *     match_mkpcap [--pcapng] > sample.pcap */
#include <stdio.h>
#include <string.h>

#include "../unit/match/pcapgen.h"

int main(int argc, char **argv)
{
    static struct pcapgen g;
    int ng = argc > 1 && strcmp(argv[1], "--pcapng") == 0;

    pg_sample(&g, ng);
    return fwrite(g.buf, 1, g.len, stdout) == g.len ? 0 : 1;
}
