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
/*
 * A challenge or personalization value as the CLI takes it (caec realm run
 * --nonce, caec attest verify --nonce): 1..size bytes of hex (even length,
 * optional "0x"), zero-padded at the end to size bytes. 0, or -EINVAL (not
 * hex, odd length, empty) / -ENOSPC (more than size bytes); out is zeroed
 * on failure.
 */
int hex_decode_padded(const char *text, uint8_t *out, size_t size);
void hex_fprint(FILE *f, const uint8_t *p, size_t n);

#endif
