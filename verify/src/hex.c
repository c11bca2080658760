/* Strict hex decoding and printing. */
#include <errno.h>
#include <string.h>

#include "verify/hex.h"

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *text, uint8_t *out, size_t cap, size_t *len)
{
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		text += 2;
	size_t n = strlen(text);
	if (n % 2 != 0)
		return -EINVAL;
	if (n / 2 > cap)
		return -ENOSPC;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

int hex_decode_padded(const char *text, uint8_t *out, size_t size)
{
	size_t n = 0;
	memset(out, 0, size);
	int rc = hex_decode(text, out, size, &n);
	if (rc == 0 && n == 0)
		rc = -EINVAL;
	if (rc != 0)
		memset(out, 0, size);
	return rc;
}

void hex_fprint(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}
