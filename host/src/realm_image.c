/* Realm image files (see realm_image.h). */
#include "host/realm_image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/realm_layout.h"
#include "hostsim/realm_elf.h"

int realm_image_load(const char *path, struct realm_image *out)
{
	FILE *f = fopen(path, "rb");
	long len;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		rc = -EIO;
	} else if (len == 0) {
		rc = -EINVAL;
	} else if ((uint64_t)len > VMM_MAX_IMAGE_SIZE) {
		rc = -EFBIG;
	} else if (!(out->bytes = malloc((size_t)len))) {
		rc = -ENOMEM;
	} else if (fread(out->bytes, 1, (size_t)len, f) != (size_t)len) {
		rc = -EIO;
	} else {
		const char *why = hostsim_realm_elf_check(out->bytes, (size_t)len, out->why, sizeof(out->why));

		if (why) {
			if (why != out->why)
				snprintf(out->why, sizeof(out->why), "%s", why);
			rc = -ENOEXEC;
		} else {
			out->size = (size_t)len;
		}
	}
	fclose(f);
	if (rc) {
		free(out->bytes);
		out->bytes = NULL;
	}
	return rc;
}

void realm_image_free(struct realm_image *img)
{
	free(img->bytes);
	img->bytes = NULL;
	img->size = 0;
}
