/* Vector file access for the verifier tests. */
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "test_files.h"

const char *test_vector_path(const char *name)
{
	static char path[4096];
	const char *shared = getenv("CAEC_SHARED_DIR");
	snprintf(path, sizeof(path), "%s/testvectors/cca/%s", shared ? shared : "../shared", name);
	return path;
}

uint8_t *test_read_vector(const char *name, size_t *len)
{
	const char *path = test_vector_path(name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open test vector %s (is CAEC_SHARED_DIR set?)", path);
	uint8_t *buf = malloc(1 << 20);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	assert_true(*len > 0);
	return buf;
}
