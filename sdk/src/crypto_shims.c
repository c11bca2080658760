/*
 * What Debian's BearSSL archive (built with _FORTIFY_SOURCE and the stack
 * protector) calls besides itself, for realm images, which link no C
 * library. The checked copies check; a smashed stack ends the realm.
 * (x86-64's stack protector reads its canary at %fs:0x28: on hostsim a
 * realm CPU is a host thread, whose thread block is there.)
 */
#include <stddef.h>

#include "sdk/console.h"
#include "sdk/realm.h"

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len);
void *__memset_chk(void *dst, int c, size_t n, size_t dst_len);
void __stack_chk_fail(void);

__attribute__((noreturn)) static void fortify_fail(const char *what)
{
	sdk_printf("realm: %s\n", what);
	sdk_realm_exit(134);
}

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
	if (n > dst_len)
		fortify_fail("buffer overflow detected (memcpy)");
	return __builtin_memcpy(dst, src, n);
}

void *__memset_chk(void *dst, int c, size_t n, size_t dst_len)
{
	if (n > dst_len)
		fortify_fail("buffer overflow detected (memset)");
	return __builtin_memset(dst, c, n);
}

void __stack_chk_fail(void)
{
	fortify_fail("stack smashing detected");
}
