/* uuid.h - UUID v4 (random) and v5 (name-based, SHA-1), as STIX identifiers use them. */
#ifndef RK_UTIL_UUID_H
#define RK_UTIL_UUID_H

#include <stddef.h>
#include <stdint.h>

/* Length of the text form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" plus the NUL. */
#define RK_UUID_STR 37

/* The STIX 2.1 namespace for deterministic SCO ids (section 2.9). */
extern const uint8_t RK_UUID_NS_STIX[16];

/* A random (version 4) UUID in lower-case text. */
void rk_uuid_v4(char out[RK_UUID_STR]);
/* A name-based (version 5) UUID of name[0..len) in namespace ns, in lower-case text. */
void rk_uuid_v5(char out[RK_UUID_STR], const uint8_t ns[16], const void *name, size_t len);
/* Parse the 36-character text form (either case). RK_EFORMAT when malformed. */
int rk_uuid_parse(uint8_t out[16], const char *s, size_t len);
/* Write 16 bytes in text form. */
void rk_uuid_format(char out[RK_UUID_STR], const uint8_t u[16]);

#endif
