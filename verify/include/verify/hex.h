/*
 * Hex text for reference values, nonces and dumps. Decoding is strict (even
 * length, hex digits only, optional "0x" prefix) because a reference value
 * that silently decoded to something else would appraise the wrong thing.
 */
#ifndef CAEC_VERIFY_HEX_H
#define CAEC_VERIFY_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* 0 with *len bytes written, or -EINVAL (bad digit, odd length) / -ENOSPC. */
int hex_decode(const char *text, uint8_t *out, size_t cap, size_t *len);
void hex_fprint(FILE *f, const uint8_t *p, size_t n);

#endif
