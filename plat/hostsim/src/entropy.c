/*
 * Entropy for the monitor from the kernel's CSPRNG (getrandom), standing in
 * for a hardware TRNG / RNDR.
 */
#include <errno.h>
#include <sys/random.h>

#include "plat/plat.h"

bool plat_entropy(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}
