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

/* BearSSL's TLS engine links its system entropy seeder (which reads
 * /dev/urandom) even when, as in every realm here, the caller injects
 * entropy from the CPU's generator before the engine starts. A realm has
 * no files, so the seeder's calls fail and it reports no entropy. */
int open(const char *path, int flags, ...);
long read(int fd, void *buf, size_t len);
int close(int fd);
int *__errno_location(void);
size_t strlen(const char *s);

int open(const char *path, int flags, ...)
{
	(void)path;
	(void)flags;
	return -1;
}

long read(int fd, void *buf, size_t len)
{
	(void)fd;
	(void)buf;
	(void)len;
	return -1;
}

int close(int fd)
{
	(void)fd;
	return -1;
}

int *__errno_location(void)
{
	static int no_errno;
	return &no_errno;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}
