/* fuzz.c - libFuzzer target for the TAXII envelope check of Add Objects request bodies. A body
 * the check accepts must be a JSON object (the first non-space byte is '{'). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "taxii/http_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_err err;
    size_t i = 0;

    /* no NUL terminator: the check must respect the length */
    if (rk_taxii_envelope_check((const char *)data, size, &err) == 0) {
        while (i < size && strchr(" \t\r\n", data[i]) && data[i])
            i++;
        if (i == size || data[i] != '{')
            abort();
    } else if (err.message[0] == '\0') {
        abort(); /* every refusal says why */
    }
    return 0;
}
