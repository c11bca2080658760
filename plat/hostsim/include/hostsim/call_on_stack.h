/*
 * A call on another stack, for the two sides of hostsim's CPU emulation: the
 * realm's crt moves from the stack the platform called it on to one in realm
 * RAM, and hostsim's SMC gate moves from the realm's stack back to the REC
 * thread's own. HOSTSIM_DEFINE_CALL_ON_STACK(name) defines, in the object
 * that uses it, a hidden function
 *     void name(void *arg, void (*fn)(void *), uintptr_t stack_top);
 * that calls fn(arg) with the stack pointer at stack_top (rounded down to 16
 * bytes) and returns on the caller's stack. Freestanding: the realm image
 * includes it too.
 */
#ifndef CAEC_HOSTSIM_CALL_ON_STACK_H
#define CAEC_HOSTSIM_CALL_ON_STACK_H

#if defined(__x86_64__)
#define HOSTSIM_CALL_ON_STACK_BODY_ \
	"	push %rbp\n"               \
	"	mov %rsp, %rbp\n"          \
	"	and $-16, %rdx\n"          \
	"	mov %rdx, %rsp\n"          \
	"	call *%rsi\n"              \
	"	mov %rbp, %rsp\n"          \
	"	pop %rbp\n"                \
	"	ret\n"
#define HOSTSIM_FUNCTION_TYPE_ "@function"
#elif defined(__aarch64__)
#define HOSTSIM_CALL_ON_STACK_BODY_      \
	"	stp x29, x30, [sp, #-16]!\n" \
	"	mov x29, sp\n"               \
	"	and x2, x2, #~15\n"          \
	"	mov sp, x2\n"                \
	"	blr x1\n"                    \
	"	mov sp, x29\n"               \
	"	ldp x29, x30, [sp], #16\n"   \
	"	ret\n"
#define HOSTSIM_FUNCTION_TYPE_ "%function"
#else
#error "hostsim runs realm code on x86_64 and aarch64 hosts"
#endif

#define HOSTSIM_DEFINE_CALL_ON_STACK(name)                                   \
	void name(void *arg, void (*fn)(void *), uintptr_t stack_top);      \
	__asm__(".text\n"                                                   \
		".globl " #name "\n"                                        \
		".hidden " #name "\n"                                       \
		".type " #name ", " HOSTSIM_FUNCTION_TYPE_ "\n"             \
		#name ":\n" HOSTSIM_CALL_ON_STACK_BODY_                      \
		".size " #name ", .-" #name "\n")

#endif
