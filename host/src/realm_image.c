/* Realm image files (see realm_image.h). */
#include "host/realm_image.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/caec_pipeline.h"
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

static uint64_t granule_up(uint64_t n)
{
	return (n + RMI_GRANULE_SIZE - 1) & ~(uint64_t)(RMI_GRANULE_SIZE - 1);
}

int realm_image_add_model(struct realm_image *img, const char *path)
{
	struct pipe_model_trailer t;
	FILE *f;
	long len;

	if (img->size >= sizeof(t) && !memcmp(img->bytes + img->size - sizeof(t), PIPE_MODEL_MAGIC, 8))
		return -EEXIST;
	if (!(f = fopen(path, "rb")))
		return -errno;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -EIO;
	}
	if (len == 0) {
		fclose(f);
		return -EINVAL;
	}
	/* Each term is at most 256 MiB here, so the sum cannot wrap. */
	uint64_t offset = granule_up(img->size), end = offset + granule_up((uint64_t)len);
	if ((uint64_t)len > VMM_MAX_IMAGE_SIZE || end + RMI_GRANULE_SIZE > VMM_MAX_IMAGE_SIZE) {
		fclose(f);
		return -EFBIG;
	}
	size_t total = (size_t)(end + RMI_GRANULE_SIZE);
	uint8_t *b = calloc(1, total);
	if (!b) {
		fclose(f);
		return -ENOMEM;
	}
	bool ok = fread(b + offset, 1, (size_t)len, f) == (size_t)len;
	fclose(f);
	if (!ok) {
		free(b);
		return -EIO;
	}
	memcpy(b, img->bytes, img->size);
	memcpy(t.magic, PIPE_MODEL_MAGIC, sizeof(t.magic));
	t.offset = offset;
	t.size = (uint64_t)len;
	t.elf_size = img->size;
	memcpy(b + total - sizeof(t), &t, sizeof(t));
	free(img->bytes);
	img->bytes = b;
	img->size = total;
	return 0;
}
