/*
 * A realm image file as the VMM reads it: the bytes of a position-independent
 * ELF shared object (the conventions in realm_layout.h). The file is checked
 * with the platform's realm image validator (hostsim/realm_elf.h) before
 * anything measures or loads it; the bytes are then used as they are, and
 * the platform's loader checks them again, since it runs only the copy in
 * realm memory.
 */
#ifndef CAEC_HOST_REALM_IMAGE_H
#define CAEC_HOST_REALM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct realm_image {
	uint8_t *bytes;
	size_t size;
	char why[160]; /* after -ENOEXEC: one line naming the problem */
};

/* Reads path. 0, -errno when it cannot be read, -ENOEXEC when it is not a
 * valid realm image (reason in out->why), -EFBIG beyond VMM_MAX_IMAGE_SIZE, -EINVAL when empty. */
int realm_image_load(const char *path, struct realm_image *out);
void realm_image_free(struct realm_image *img);

/* Appends the model file at path to the image as abi/caec_pipeline.h lays
 * it out (the model after the ELF, a trailer granule at the end), so that
 * measuring and loading the image covers the model. 0; -errno when it
 * cannot be read, -EINVAL when empty, -EFBIG when the image would pass
 * VMM_MAX_IMAGE_SIZE, -EEXIST when the image already carries a model; the
 * image is unchanged on failure. */
int realm_image_add_model(struct realm_image *img, const char *path);

#endif
