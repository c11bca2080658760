/*
 * A realm image file as the VMM reads it: the bytes of a position-independent
 * ELF shared object (the conventions in realm_layout.h). The VMM does not
 * interpret the ELF beyond its magic: the bytes are measured and loaded as
 * they are, and the platform's loader (which runs only measured bytes)
 * decides whether they run.
 */
#ifndef CAEC_HOST_REALM_IMAGE_H
#define CAEC_HOST_REALM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct realm_image {
	uint8_t *bytes;
	size_t size;
};

/* Reads path. 0, -errno when it cannot be read, -ENOEXEC when it is not an
 * ELF file, -EFBIG beyond VMM_MAX_IMAGE_SIZE, -EINVAL when empty. */
int realm_image_load(const char *path, struct realm_image *out);
void realm_image_free(struct realm_image *img);

#endif
