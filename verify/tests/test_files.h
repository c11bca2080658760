/* Reading the shared third-party test vectors at run time (never copied). */
#ifndef CAEC_VERIFY_TEST_FILES_H
#define CAEC_VERIFY_TEST_FILES_H

#include <stddef.h>
#include <stdint.h>

/* $CAEC_SHARED_DIR/testvectors/cca/<name> into a malloc'ed buffer (test fails if absent). */
uint8_t *test_read_vector(const char *name, size_t *len);
/* Full path of a vector in a static buffer. */
const char *test_vector_path(const char *name);

#endif
