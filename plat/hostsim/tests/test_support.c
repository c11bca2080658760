/* Helpers shared by hostsim's tests (see test_support.h). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "hostsim_internal.h"
#include "test_support.h"

void test_hw_start(uint64_t granules, unsigned root_granules)
{
	struct hostsim_config cfg = {
		.dram_size = granules << PLAT_GRANULE_SHIFT,
		.root_granules = root_granules,
	};
	assert_int_equal(hostsim_hw_start(&cfg), 0);
}

int test_hw_stop(void **state)
{
	(void)state;
	hostsim_hw_stop();
	return 0;
}

int test_machine_stop(void **state)
{
	(void)state;
	hostsim_stop();
	return 0;
}

uint64_t el3_call(uint64_t fid, uint64_t x1)
{
	struct smc_regs r = { .x = { fid, x1 } };

	plat_el3_smc(&r);
	return r.x[0];
}

uint64_t host_smc(uint64_t fid, uint64_t x1)
{
	struct smc_regs r = { .x = { fid, x1 } };

	hostsim_smc(&r);
	return r.x[0];
}

bool death_test(void (*fn)(void *), void *arg, int sig, const char *expect)
{
	int fds[2];
	char out[4096];
	size_t used = 0;
	int status;

	if (pipe(fds) != 0)
		return false;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		fn(arg);
		_exit(0);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], out + used, sizeof(out) - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used == sizeof(out) - 1)
			break;
	}
	out[used] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		return false;
	bool ok = WIFSIGNALED(status) && WTERMSIG(status) == sig &&
		  (!expect || strstr(out, expect) != NULL);
	if (!ok)
		fprintf(stderr, "death_test: status 0x%x, child stderr:\n%s\n", status, out);
	return ok;
}
