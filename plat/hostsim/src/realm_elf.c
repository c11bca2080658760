/* Realm image validation (see hostsim/realm_elf.h). */
#include "hostsim/realm_elf.h"

#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#if defined(__x86_64__)
#define HOST_ELF_MACHINE EM_X86_64
#define HOST_REL_NONE R_X86_64_NONE
#define HOST_REL_RELATIVE R_X86_64_RELATIVE
#elif defined(__aarch64__)
#define HOST_ELF_MACHINE EM_AARCH64
#define HOST_REL_NONE R_AARCH64_NONE
#define HOST_REL_RELATIVE R_AARCH64_RELATIVE
#else
#error "hostsim runs realm images on x86_64 and aarch64 hosts"
#endif

#define MAX_PHDRS 64u
#define PREFIX "not a realm image: "

struct elf_view {
	const uint8_t *b;
	uint64_t n;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	uint64_t mem_end; /* end of the highest PT_LOAD in memory */
};

/* [off, off + len) inside the file, without overflow. */
static bool in_file(const struct elf_view *v, uint64_t off, uint64_t len)
{
	return off <= v->n && len <= v->n - off;
}

/* File offset of [vaddr, vaddr + len) when a PT_LOAD holds it in file bytes. */
static bool vaddr_to_off(const struct elf_view *v, uint64_t vaddr, uint64_t len, uint64_t *off)
{
	for (unsigned i = 0; i < v->eh->e_phnum; i++) {
		const Elf64_Phdr *p = &v->ph[i];

		if (p->p_type != PT_LOAD || vaddr < p->p_vaddr || vaddr - p->p_vaddr > p->p_filesz ||
		    len > p->p_filesz - (vaddr - p->p_vaddr))
			continue;
		*off = p->p_offset + (vaddr - p->p_vaddr);
		return true;
	}
	return false;
}

static const char *check_header(struct elf_view *v)
{
	const Elf64_Ehdr *eh = v->eh;

	if (v->n < SELFMAG || memcmp(v->b, ELFMAG, SELFMAG) != 0)
		return PREFIX "no ELF header; realm images link with caec_add_realm_image";
	if (v->n < sizeof(Elf64_Ehdr))
		return PREFIX "the file ends inside its ELF header (truncated?)";
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return PREFIX "it is not ELF64";
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return PREFIX "it is not little-endian";
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return PREFIX "unknown ELF version";
	if (eh->e_machine != HOST_ELF_MACHINE)
		return PREFIX "it is built for another machine than this host's";
	if (eh->e_type != ET_DYN)
		return PREFIX "it is not a shared object (ET_DYN); realm images link with caec_add_realm_image";
	if (eh->e_ehsize < sizeof(Elf64_Ehdr) || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phnum == 0 || eh->e_phnum > MAX_PHDRS)
		return PREFIX "malformed ELF header (program header table)";
	if (eh->e_phoff % 8 || !in_file(v, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		return PREFIX "the program headers lie outside the file (truncated?)";
	if (eh->e_shnum && (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff % 8 ||
			    !in_file(v, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
			    eh->e_shstrndx >= eh->e_shnum))
		return PREFIX "the section headers lie outside the file (truncated?)";
	v->ph = (const Elf64_Phdr *)(v->b + eh->e_phoff);
	return NULL;
}

static const char *check_segments(struct elf_view *v)
{
	unsigned loads = 0, dyns = 0;

	for (unsigned i = 0; i < v->eh->e_phnum; i++) {
		const Elf64_Phdr *p = &v->ph[i];

		if (p->p_type == PT_INTERP)
			return PREFIX "it has a program interpreter (PT_INTERP); realm images link with caec_add_realm_image";
		if (p->p_type == PT_TLS)
			return PREFIX "it has thread-local storage, which realms do not provide";
		if (p->p_type == PT_DYNAMIC)
			dyns++;
		if (p->p_type != PT_LOAD && p->p_type != PT_DYNAMIC)
			continue;
		if (!in_file(v, p->p_offset, p->p_filesz))
			return PREFIX "a segment lies past the end of the file (truncated?)";
		if (p->p_filesz > p->p_memsz || p->p_vaddr > HOSTSIM_REALM_ELF_MAX_SIZE ||
		    p->p_memsz > HOSTSIM_REALM_ELF_MAX_SIZE - p->p_vaddr)
			return PREFIX "a segment's sizes are out of bounds";
		if (p->p_type == PT_LOAD) {
			loads++;
			if (p->p_align & (p->p_align - 1) ||
			    (p->p_align > 1 && (p->p_offset - p->p_vaddr) % p->p_align))
				return PREFIX "a segment is misaligned";
			if (p->p_vaddr + p->p_memsz > v->mem_end)
				v->mem_end = p->p_vaddr + p->p_memsz;
		}
	}
	if (!loads)
		return PREFIX "it has no loadable segment";
	if (dyns != 1)
		return PREFIX "it has no (or more than one) dynamic section";
	return NULL;
}

struct dyn_info {
	uint64_t strtab, strsz, rela, relasz, relaent, rel, relsz, needed;
	bool has_needed;
};

static const char *check_dynamic(struct elf_view *v, char *buf, size_t buflen)
{
	const Elf64_Phdr *dp = NULL;
	struct dyn_info d = { .relaent = sizeof(Elf64_Rela) };
	uint64_t off;

	for (unsigned i = 0; i < v->eh->e_phnum; i++)
		if (v->ph[i].p_type == PT_DYNAMIC)
			dp = &v->ph[i];
	if (dp->p_offset % 8)
		return PREFIX "the dynamic section is misaligned";
	const Elf64_Dyn *dyn = (const Elf64_Dyn *)(v->b + dp->p_offset);
	uint64_t count = dp->p_filesz / sizeof(Elf64_Dyn);
	bool ended = false;
	for (uint64_t i = 0; i < count && !ended; i++) {
		switch (dyn[i].d_tag) {
		case DT_NULL: ended = true; break;
		case DT_NEEDED: if (!d.has_needed) d.needed = dyn[i].d_un.d_val; d.has_needed = true; break;
		case DT_STRTAB: d.strtab = dyn[i].d_un.d_ptr; break;
		case DT_STRSZ: d.strsz = dyn[i].d_un.d_val; break;
		case DT_RELA: d.rela = dyn[i].d_un.d_ptr; break;
		case DT_RELASZ: d.relasz = dyn[i].d_un.d_val; break;
		case DT_RELAENT: d.relaent = dyn[i].d_un.d_val; break;
		case DT_REL: d.rel = dyn[i].d_un.d_ptr; break;
		case DT_RELSZ: d.relsz = dyn[i].d_un.d_val; break;
		default: break;
		}
	}
	if (!ended)
		return PREFIX "the dynamic section is not terminated (truncated?)";
	if (d.has_needed) {
		if (!d.strsz || !vaddr_to_off(v, d.strtab, d.strsz, &off) || d.needed >= d.strsz ||
		    !memchr(v->b + off + d.needed, '\0', d.strsz - d.needed))
			return PREFIX "it needs a shared library; realm images link with caec_add_realm_image";
		snprintf(buf, buflen, PREFIX "it needs %.64s; realm images link with caec_add_realm_image",
			 (const char *)(v->b + off + d.needed));
		return buf;
	}
	if (d.rel || d.relsz)
		return PREFIX "it has REL relocations, which realm images do not use";
	if (d.relasz) {
		if (d.relaent != sizeof(Elf64_Rela) || d.relasz % sizeof(Elf64_Rela) || d.rela % 8 ||
		    !vaddr_to_off(v, d.rela, d.relasz, &off))
			return PREFIX "its relocation table lies outside the file (truncated?)";
		const Elf64_Rela *r = (const Elf64_Rela *)(v->b + off);
		for (uint64_t i = 0; i < d.relasz / sizeof(Elf64_Rela); i++) {
			uint32_t type = ELF64_R_TYPE(r[i].r_info);
			if (type == HOST_REL_NONE)
				continue;
			if (r[i].r_offset > v->mem_end || v->mem_end - r[i].r_offset < 8)
				return PREFIX "a relocation writes outside the image";
		}
	}
	return NULL;
}

/* realm_main in .symtab or .dynsym. */
static const char *check_entry(const struct elf_view *v)
{
	const Elf64_Ehdr *eh = v->eh;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(v->b + eh->e_shoff);

	for (unsigned i = 0; eh->e_shnum && i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB && sh[i].sh_type != SHT_DYNSYM)
			continue;
		if (sh[i].sh_link >= eh->e_shnum || sh[i].sh_entsize != sizeof(Elf64_Sym) ||
		    !in_file(v, sh[i].sh_offset, sh[i].sh_size) || sh[i].sh_offset % 8)
			return PREFIX "its symbol table lies outside the file (truncated?)";
		const Elf64_Shdr *str = &sh[sh[i].sh_link];
		if (!in_file(v, str->sh_offset, str->sh_size))
			return PREFIX "its string table lies outside the file (truncated?)";
		const Elf64_Sym *sym = (const Elf64_Sym *)(v->b + sh[i].sh_offset);
		const char *names = (const char *)(v->b + str->sh_offset);
		for (uint64_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Sym); k++) {
			if (ELF64_ST_TYPE(sym[k].st_info) != STT_FUNC || sym[k].st_shndx == SHN_UNDEF ||
			    sym[k].st_name >= str->sh_size || str->sh_size - sym[k].st_name < sizeof("realm_main"))
				continue;
			if (memcmp(names + sym[k].st_name, "realm_main", sizeof("realm_main")) == 0 &&
			    sym[k].st_value < v->mem_end)
				return NULL;
		}
	}
	return PREFIX "it does not define realm_main";
}

const char *hostsim_realm_elf_check(const uint8_t *bytes, size_t size, char *buf, size_t buflen)
{
	struct elf_view v = { .b = bytes, .n = size, .eh = (const Elf64_Ehdr *)bytes };
	const char *why;

	if (size > HOSTSIM_REALM_ELF_MAX_SIZE)
		return PREFIX "it is larger than 256 MiB";
	if ((uintptr_t)bytes % 8)
		return "realm image bytes are misaligned in memory";
	if ((why = check_header(&v)) || (why = check_segments(&v)) ||
	    (why = check_dynamic(&v, buf, buflen)) || (why = check_entry(&v)))
		return why;
	return NULL;
}
