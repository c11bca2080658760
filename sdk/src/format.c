/* The realm-side formatter (see format.h). */
#include "sdk/format.h"

#include <stdbool.h>
#include <stdint.h>

struct spec {
	bool left, zero;
	unsigned width;
	int precision; /* -1 = none */
	int length;    /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size/ptrdiff/intmax */
};

static void put(struct sdk_sink *s, const char *b, size_t n, size_t *count)
{
	if (n)
		s->write(s, b, n);
	*count += n;
}

static void pad(struct sdk_sink *s, char c, size_t n, size_t *count)
{
	char buf[16];

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = c;
	while (n) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);

		put(s, buf, k, count);
		n -= k;
	}
}

/* The field: sign/prefix, zero padding or spaces, digits. */
static void emit_field(struct sdk_sink *s, const struct spec *sp, const char *prefix, size_t plen,
		       const char *body, size_t blen, size_t *count)
{
	size_t len = plen + blen;
	size_t fill = sp->width > len ? sp->width - len : 0;

	if (!sp->left && !sp->zero)
		pad(s, ' ', fill, count);
	put(s, prefix, plen, count);
	if (!sp->left && sp->zero)
		pad(s, '0', fill, count);
	put(s, body, blen, count);
	if (sp->left)
		pad(s, ' ', fill, count);
}

static void emit_number(struct sdk_sink *s, const struct spec *sp, uint64_t v, bool negative,
			unsigned base, bool upper, const char *prefix, size_t *count)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	size_t n = 0;
	char sign[3];
	size_t plen = 0;

	do {
		buf[sizeof(buf) - 1 - n++] = digits[v % base];
		v /= base;
	} while (v);
	if (negative)
		sign[plen++] = '-';
	for (; prefix && *prefix; prefix++)
		sign[plen++] = *prefix;
	emit_field(s, sp, sign, plen, buf + sizeof(buf) - n, n, count);
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case -2: return (unsigned char)va_arg(*ap, unsigned int);
	case -1: return (unsigned short)va_arg(*ap, unsigned int);
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	case 3: return va_arg(*ap, uint64_t);
	default: return va_arg(*ap, unsigned int);
	}
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case -2: return (signed char)va_arg(*ap, int);
	case -1: return (short)va_arg(*ap, int);
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	case 3: return va_arg(*ap, int64_t);
	default: return va_arg(*ap, int);
	}
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .precision = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	if (*f == '*') {
		int w = va_arg(*ap, int);

		if (w < 0) {
			sp->left = true;
			w = -w;
		}
		sp->width = (unsigned)w;
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (unsigned)(*f++ - '0');
	if (*f == '.') {
		f++;
		sp->precision = 0;
		if (*f == '*') {
			sp->precision = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->precision = sp->precision * 10 + (*f++ - '0');
	}
	if (*f == 'h') {
		sp->length = f[1] == 'h' ? -2 : -1;
		f += f[1] == 'h' ? 2 : 1;
	} else if (*f == 'l') {
		sp->length = f[1] == 'l' ? 2 : 1;
		f += f[1] == 'l' ? 2 : 1;
	} else if (*f == 'z' || *f == 'j' || *f == 't') {
		sp->length = 3;
		f++;
	}
	if (sp->left)
		sp->zero = false;
	return f;
}

size_t sdk_vformat(struct sdk_sink *s, const char *fmt, va_list ap_in)
{
	size_t count = 0;
	va_list ap;

	va_copy(ap, ap_in);
	while (*fmt) {
		const char *lit = fmt;
		struct spec sp;

		while (*fmt && *fmt != '%')
			fmt++;
		put(s, lit, (size_t)(fmt - lit), &count);
		if (!*fmt)
			break;
		fmt = parse_spec(fmt + 1, &sp, &ap);
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&sp, &ap);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

			emit_number(s, &sp, mag, v < 0, 10, false, NULL, &count);
			break;
		}
		case 'u':
			emit_number(s, &sp, arg_unsigned(&sp, &ap), false, 10, false, NULL, &count);
			break;
		case 'x':
		case 'X':
			emit_number(s, &sp, arg_unsigned(&sp, &ap), false, 16, *fmt == 'X', NULL, &count);
			break;
		case 'p':
			emit_number(s, &sp, (uint64_t)(uintptr_t)va_arg(ap, void *), false, 16, false, "0x", &count);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);

			emit_field(s, &sp, NULL, 0, &c, 1, &count);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			size_t n = 0;

			if (!str)
				str = "(null)";
			while (str[n] && (sp.precision < 0 || n < (size_t)sp.precision))
				n++;
			sp.zero = false;
			emit_field(s, &sp, NULL, 0, str, n, &count);
			break;
		}
		case '%':
			put(s, "%", 1, &count);
			break;
		case '\0':
			fmt--; /* a lone '%' at the end prints nothing */
			break;
		default:
			/* Unknown conversion: print it as written, so the mistake shows. */
			put(s, "%", 1, &count);
			put(s, fmt, 1, &count);
			break;
		}
		fmt++;
	}
	va_end(ap);
	return count;
}

struct buf_sink {
	struct sdk_sink sink;
	char *buf;
	size_t cap, used;
};

static void buf_write(struct sdk_sink *s, const char *b, size_t n)
{
	struct buf_sink *bs = (struct buf_sink *)s;

	for (size_t i = 0; i < n; i++)
		if (bs->used + 1 < bs->cap)
			bs->buf[bs->used++] = b[i];
}

size_t sdk_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct buf_sink bs = { .sink = { .write = buf_write }, .buf = buf, .cap = cap, .used = 0 };
	size_t n = sdk_vformat(&bs.sink, fmt, ap);

	if (cap)
		buf[bs.used] = '\0';
	return n;
}

size_t sdk_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = sdk_vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}
