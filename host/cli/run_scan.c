/* caec run --scan-plaintext (run_scan.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hostsim/hostsim.h"
#include "run_scan.h"

#define GRANULE 4096u

static unsigned distinct(const uint8_t *p)
{
	uint8_t seen[256] = { 0 };
	unsigned n = 0;

	for (unsigned i = 0; i < SCAN_WINDOW; i++)
		n += !seen[p[i]]++;
	return n;
}

int scan_windows(const char *path, uint8_t w[SCAN_WINDOWS][SCAN_WINDOW], char *why, size_t cap)
{
	FILE *f = fopen(path, "rb");
	uint8_t buf[SCAN_WINDOW];
	int n = 0;

	if (!f || fseeko(f, 0, SEEK_END) != 0) {
		snprintf(why, cap, "%s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	off_t size = ftello(f);
	if (size < 2 * SCAN_WINDOWS * SCAN_WINDOW) {
		fclose(f);
		snprintf(why, cap, "%s is too small to sample", path);
		return -1;
	}
	/* Candidates spread over the second half; a window that is not
	 * distinctive is skipped, its place taken by the next candidate. */
	off_t half = size / 2, step = (size - half) / (4 * SCAN_WINDOWS);
	for (off_t at = half; at + SCAN_WINDOW <= size && n < SCAN_WINDOWS; at += step ? step : SCAN_WINDOW) {
		if (fseeko(f, at, SEEK_SET) != 0 || fread(buf, 1, SCAN_WINDOW, f) != SCAN_WINDOW)
			break;
		if (distinct(buf) >= 8)
			memcpy(w[n++], buf, SCAN_WINDOW);
	}
	fclose(f);
	return n;
}

void scan_host_memory(uint64_t dram_size, const uint8_t w[SCAN_WINDOWS][SCAN_WINDOW], int n,
		      struct scan_result *out)
{
	static const uint8_t zero[GRANULE + SCAN_WINDOW - 1];
	/* The granule and the first bytes of the next, so that a window
	 * across two neighbouring NS granules is found too. */
	uint8_t g[GRANULE + SCAN_WINDOW - 1];

	memset(out, 0, sizeof(*out));
	for (uint64_t pa = 0; pa + GRANULE <= dram_size; pa += GRANULE) {
		if (hostsim_gpt_pas(pa) != HOSTSIM_PAS_NS)
			continue;
		out->granules_ns++;
		if (!hostsim_host_read(pa, g, GRANULE))
			continue;
		size_t len = GRANULE;
		if (pa + 2 * GRANULE <= dram_size && hostsim_gpt_pas(pa + GRANULE) == HOSTSIM_PAS_NS &&
		    hostsim_host_read(pa + GRANULE, g + GRANULE, SCAN_WINDOW - 1))
			len += SCAN_WINDOW - 1;
		if (memcmp(g, zero, len) == 0)
			continue;
		for (int i = 0; i < n; i++)
			if (memmem(g, len, w[i], SCAN_WINDOW)) {
				if (!out->granules_hit++)
					out->first_hit_pa = pa;
				break;
			}
	}
}
