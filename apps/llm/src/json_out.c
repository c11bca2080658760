/* JSON string and number output for generated text and logits. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/json_out.h"

/* At s (n bytes left): the length of a well-formed UTF-8 sequence (*ok = 1)
 * or of the maximal ill-formed prefix to replace by one U+FFFD (*ok = 0),
 * following Unicode's "maximal subpart" practice, which Python's decoder
 * with errors="replace" also follows. */
static size_t utf8_seq(const unsigned char *s, size_t n, int *ok)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF; /* valid range of the second byte */
	*ok = 1;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else {
		*ok = 0;
		return 1;
	}
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	size_t i = 1;
	for (; i < len && i < n; i++) {
		unsigned char b = s[i];
		if (i == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80)
			break;
	}
	if (i < len)
		*ok = 0;
	return i;
}

void llm_json_write_string(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', out);
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		int ok;
		size_t n = utf8_seq(s + i, len - i, &ok);
		if (!ok) {
			fputs("\\ufffd", out);
			i += n;
		} else if (n > 1) {
			fwrite(s + i, 1, n, out);
			i += n;
		} else {
			if (c == '"' || c == '\\')
				fprintf(out, "\\%c", c);
			else if (c == '\n')
				fputs("\\n", out);
			else if (c == '\t')
				fputs("\\t", out);
			else if (c == '\r')
				fputs("\\r", out);
			else if (c < 0x20 || c == 0x7f)
				fprintf(out, "\\u%04x", c);
			else
				fputc(c, out);
			i++;
		}
	}
	fputc('"', out);
}

char *llm_utf8_repair(const char *str, size_t len, size_t *out_len)
{
	static const char replacement[3] = { '\xef', '\xbf', '\xbd' }; /* U+FFFD */
	const unsigned char *s = (const unsigned char *)str;
	/* An ill-formed byte grows to 3 bytes at most. */
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	char *out = malloc(3 * len + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		int ok;
		size_t n = utf8_seq(s + i, len - i, &ok);
		if (ok) {
			memcpy(out + o, s + i, n);
			o += n;
		} else {
			memcpy(out + o, replacement, 3);
			o += 3;
		}
		i += n;
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

void llm_json_write_float(FILE *out, float v)
{
	if (isnan(v))
		fputs("NaN", out);
	else if (isinf(v))
		fputs(v > 0 ? "Infinity" : "-Infinity", out);
	else
		fprintf(out, "%.9g", (double)v);
}
