/*
 * caec run --scan-plaintext FILE: the check that a private model's
 * plaintext never reached memory the host can read. After the pipeline
 * ran (its realms still built), every NS granule of the machine is
 * searched for pieces of FILE (the plaintext model): 64 windows of 32
 * bytes taken across its second half, where GGUF keeps tensor data, each
 * with at least 8 distinct byte values (runs of zeros and other common
 * patterns would match anything).
 */
#ifndef CAEC_CLI_RUN_SCAN_H
#define CAEC_CLI_RUN_SCAN_H

#include <stddef.h>
#include <stdint.h>

#define SCAN_WINDOWS 64
#define SCAN_WINDOW  32

struct scan_result {
	uint64_t granules_ns;    /* host-visible granules searched */
	uint64_t granules_hit;   /* that hold a window */
	uint64_t first_hit_pa;
};

/* The windows of path's plaintext into w (SCAN_WINDOWS x SCAN_WINDOW); how
 * many (fewer when the file has too few distinctive windows), or -1 with
 * why when it cannot be read. */
int scan_windows(const char *path, uint8_t w[SCAN_WINDOWS][SCAN_WINDOW], char *why, size_t cap);

/* Searches every NS granule of [0, dram_size) for any of the n windows. */
void scan_host_memory(uint64_t dram_size, const uint8_t w[SCAN_WINDOWS][SCAN_WINDOW], int n,
		      struct scan_result *out);

#endif
