/* pattern_nfc.c - print the NFC form of each line of stdin (UTF-8), for the NFC oracle test
 * (tests/integration/pattern_nfc.sh compares it with Python's unicodedata). */
#include <stdio.h>
#include <stdlib.h>

#include "pattern/internal.h"

int main(void)
{
    char *line = NULL, *nfc;
    size_t cap = 0, len;
    ssize_t n;

    while ((n = getline(&line, &cap, stdin)) >= 0) {
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (rk_pattern_nfc(line, (size_t)n, (size_t)n * 4 + 16, &nfc, &len) != 0) {
            fprintf(stderr, "pattern_nfc: normalisation failed\n");
            return 1;
        }
        if (nfc)
            fwrite(nfc, 1, len, stdout);
        else
            fwrite(line, 1, (size_t)n, stdout);
        putchar('\n');
        free(nfc);
    }
    free(line);
    return 0;
}
