/*
 * The realm image loader: hostsim's CPU boot protocol.
 *
 * On a REC's first run, a pc that points (through stage 2) at an ELF header
 * boots the realm: the image's bytes are copied out of the realm's own
 * memory -- exactly the measured DATA granules, never the file the VMM read
 * -- into a sealed memfd that nobody can change afterwards, dlopen()ed from
 * /proc/self/fd/N, given the platform's SMC gate, and its entry
 * caec_realm_entry(x0..x4) is what the CPU runs. A pc inside an image already
 * loaded for the realm is a secondary CPU's entry (PSCI CPU_ON): the code at
 * the same offset of the loaded copy. Anything else cannot run.
 *
 * IPA offsets within the image are ELF virtual-address offsets; for images
 * built by caec_add_realm_image the code lies where its file bytes do, so a
 * code address the sdk turns into an IPA is the IPA of those bytes.
 *
 * Every size taken from the ELF header is bounded against the realm's mapped
 * memory (a read through stage 2 that must succeed) and against
 * HOSTSIM_IMAGE_MAX_SIZE before anything is allocated. Callers hold the
 * realm's loader lock.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostsim_internal.h"
#include "hostsim/realm_elf.h"

#if defined(__x86_64__)
#define HOST_ELF_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_ELF_MACHINE EM_AARCH64
#else
#error "hostsim runs realm images on x86_64 and aarch64 hosts"
#endif

#define MAX_PHDRS 64u

/* max(*end, off + size), false on overflow. */
static bool extend(uint64_t *end, uint64_t off, uint64_t size)
{
	if (off + size < off)
		return false;
	if (off + size > *end)
		*end = off + size;
	return true;
}

static const char *check_header(const Elf64_Ehdr *eh)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return "hostsim: the boot pc holds no ELF header";
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_type != ET_DYN ||
	    eh->e_machine != HOST_ELF_MACHINE)
		return "hostsim: the realm image is not a shared object for this machine";
	if (eh->e_ehsize < sizeof(Elf64_Ehdr) || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phnum == 0 || eh->e_phnum > MAX_PHDRS ||
	    (eh->e_shnum != 0 && eh->e_shentsize != sizeof(Elf64_Shdr)))
		return "hostsim: malformed realm image (ELF header)";
	return NULL;
}

/* The file's extent and its executable ranges, from the program headers. */
static const char *scan_phdrs(struct hostsim_image *img, const Elf64_Ehdr *eh,
			      const Elf64_Phdr *ph, uint64_t *extent)
{
	bool ok = extend(extent, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr));

	if (eh->e_shnum)
		ok = ok && extend(extent, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr));
	img->num_exec = 0;
	for (unsigned i = 0; ok && i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		ok = extend(extent, ph[i].p_offset, ph[i].p_filesz) &&
		     ph[i].p_vaddr + ph[i].p_memsz >= ph[i].p_vaddr &&
		     ph[i].p_vaddr + ph[i].p_memsz <= HOSTSIM_IMAGE_MAX_SIZE;
		if (ok && (ph[i].p_flags & PF_X)) {
			if (img->num_exec == HOSTSIM_IMAGE_MAX_EXEC)
				return "hostsim: malformed realm image (too many code segments)";
			img->exec_start[img->num_exec] = ph[i].p_vaddr;
			img->exec_end[img->num_exec++] = ph[i].p_vaddr + ph[i].p_memsz;
		}
	}
	if (!ok || *extent > HOSTSIM_IMAGE_MAX_SIZE)
		return "hostsim: malformed realm image (sizes out of bounds)";
	return NULL;
}

static int sealed_copy(const void *bytes, uint64_t len)
{
	int fd = memfd_create("caec-realm-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	const uint8_t *p = bytes;

	if (fd < 0)
		return -1;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (uint64_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static const char *load(struct hostsim_image *img, const struct plat_s2 *s2, uint64_t pc,
			hostsim_smc_gate_fn gate)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHDRS];
	uint64_t extent = sizeof(eh);
	const char *why;

	if (!hostsim_s2_read(s2, pc, &eh, sizeof(eh)))
		return "hostsim: the boot pc is not readable realm memory";
	if ((why = check_header(&eh)))
		return why;
	if (eh.e_phoff > HOSTSIM_IMAGE_MAX_SIZE ||
	    !hostsim_s2_read(s2, pc + eh.e_phoff, ph, (uint64_t)eh.e_phnum * sizeof(ph[0])))
		return "hostsim: malformed realm image (program headers not in realm memory)";
	if ((why = scan_phdrs(img, &eh, ph, &extent)))
		return why;
	uint8_t *bytes = malloc(extent);
	if (!bytes)
		return "hostsim: out of memory for the realm image";
	if (!hostsim_s2_read(s2, pc, bytes, extent)) {
		free(bytes);
		return "hostsim: the realm image extends past the realm's mapped memory";
	}
	/* The copy is what runs: validate all of it before dlopen() sees it. */
	static _Thread_local char reason[192];
	char detail[160];
	if ((why = hostsim_realm_elf_check(bytes, extent, detail, sizeof(detail)))) {
		snprintf(reason, sizeof(reason), "hostsim: %s", why);
		free(bytes);
		return reason;
	}
	int fd = sealed_copy(bytes, extent);
	free(bytes);
	if (fd < 0)
		return "hostsim: cannot make a sealed copy of the realm image";

	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	struct link_map *lm = NULL;
	hostsim_smc_gate_fn *gate_var = h ? dlsym(h, "caec_smc_gate") : NULL;
	void *entry = h ? dlsym(h, "caec_realm_entry") : NULL;
	if (!h || !gate_var || !entry || dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || !lm) {
		if (h)
			dlclose(h);
		close(fd);
		return h ? "hostsim: the realm image lacks caec_smc_gate or caec_realm_entry"
			 : "hostsim: the realm image does not load";
	}
	*gate_var = gate;
	img->handle = h;
	img->memfd = fd;
	img->ipa_base = pc;
	img->ipa_size = (extent + PLAT_GRANULE_SIZE - 1) & ~(PLAT_GRANULE_SIZE - 1);
	img->load_base = (uintptr_t)lm->l_addr;
	img->entry = (void (*)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t))entry;
	img->loaded = true;
	return NULL;
}

const char *hostsim_image_boot(struct hostsim_image *img, const struct plat_s2 *s2,
			       uint64_t pc, hostsim_smc_gate_fn gate, struct hostsim_boot *boot)
{
	const char *why;

	if (!img->loaded) {
		if ((why = load(img, s2, pc, gate)))
			return why;
		boot->secondary = false;
		boot->fn = (uintptr_t)img->entry;
		return NULL;
	}
	uint64_t off = pc - img->ipa_base;
	if (pc < img->ipa_base || off >= img->ipa_size)
		return "hostsim: the REC's entry point is outside the realm's image";
	for (unsigned i = 0; i < img->num_exec; i++) {
		if (off >= img->exec_start[i] && off < img->exec_end[i]) {
			boot->secondary = true;
			boot->fn = img->load_base + off;
			return NULL;
		}
	}
	return "hostsim: the REC's entry point is not in the image's code";
}

void hostsim_image_unload(struct hostsim_image *img)
{
	if (!img->loaded)
		return;
	dlclose(img->handle);
	close(img->memfd);
	memset(img, 0, sizeof(*img));
	img->memfd = -1;
}
