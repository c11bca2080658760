/*
 * Realm image validation: the one check of a realm image's ELF, shared by the
 * platform's loader (which runs bytes copied out of realm memory) and by the
 * host tools that measure or load an image file. It lives in hostsim because
 * the platform must not depend on host/, while host/ already links hostsim.
 *
 * An image is valid when it is an ELF64 little-endian ET_DYN for this host's
 * machine, every header, segment, dynamic entry, string and relocation lies
 * inside the given bytes, it has no interpreter and needs no library, and it
 * defines realm_main. Nothing is read outside [bytes, bytes + size).
 */
#ifndef CAEC_HOSTSIM_REALM_ELF_H
#define CAEC_HOSTSIM_REALM_ELF_H

#include <stddef.h>
#include <stdint.h>

/* Largest image (file bytes, and the memory its segments span). */
#define HOSTSIM_REALM_ELF_MAX_SIZE (UINT64_C(256) << 20)

/* NULL when bytes[0..size) is a realm image, else one line naming the
 * problem (written into buf, of buflen bytes, or a constant string). */
const char *hostsim_realm_elf_check(const uint8_t *bytes, size_t size, char *buf, size_t buflen);

#endif
