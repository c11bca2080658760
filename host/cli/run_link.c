/* caec run --listen: the host's end of the gateway link (run_link.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "abi/caec_link.h"
#include "hostsim/hostsim.h"
#include "run_link.h"

#define PAGE 4096u
#define RING_SIZE ((uint64_t)LINK_RING_PAGES * PAGE)
/* How long the host waits for the realm to take a connection's last bytes
 * or to end it, once the client is gone. */
#define DRAIN_MS 30000

struct run_link {
	struct vmm *vmm;
	struct vmm_ns_buffer ns;
	int listen_fd, bell_fd;
	uint16_t port;
	bool mapped;
	pthread_t thread;
	bool running;
	_Atomic bool stop;
	FILE *log;
	uint64_t conn;
};

static uint64_t *field(struct run_link *l, unsigned off)
{
	return (uint64_t *)((uint8_t *)hostsim_host_va(l->ns.pas[0]) + off);
}

static uint64_t load(struct run_link *l, unsigned off)
{
	return __atomic_load_n(field(l, off), __ATOMIC_ACQUIRE);
}

static void store(struct run_link *l, unsigned off, uint64_t v)
{
	__atomic_store_n(field(l, off), v, __ATOMIC_RELEASE);
}

static void bell(struct run_link *l)
{
	vmm_shared_doorbell_ring(l->vmm, l->ns.pas[0]);
}

/* Copies between a ring (first page index first) and buf. */
static void ring_copy(struct run_link *l, unsigned first, uint64_t pos, void *buf, size_t len, bool to_ring)
{
	uint8_t *b = buf;

	while (len) {
		uint64_t off = pos % RING_SIZE;
		size_t in_page = PAGE - off % PAGE, n = len < in_page ? len : in_page;
		uint64_t pa = l->ns.pas[first + off / PAGE] + off % PAGE;
		if (to_ring)
			hostsim_host_write(pa, b, n);
		else
			hostsim_host_read(pa, b, n);
		b += n;
		pos += n;
		len -= n;
	}
}

static void on_bell(void *ctx, uint64_t pa)
{
	struct run_link *l = ctx;
	uint64_t one = 1;

	if (pa == l->ns.pas[0] && write(l->bell_fd, &one, sizeof(one)) < 0) {
		/* The counter is full: the relay has wake-ups queued anyway. */
	}
}

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

int run_link_open(struct run_link **out, struct vmm *vmm, const char *addr, char *why, size_t cap)
{
	struct sockaddr_in sa;
	struct vmm_error err = { "" };

	*out = NULL;
	if (parse_addr(addr, &sa) != 0) {
		snprintf(why, cap, "'%s' is not ADDR:PORT (an IPv4 address and a port, e.g. 127.0.0.1:8443)", addr);
		return -1;
	}
	struct run_link *l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(why, cap, "out of memory");
		return -1;
	}
	l->vmm = vmm;
	l->bell_fd = -1;
	l->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int on = 1;
	socklen_t len = sizeof(sa);
	if (l->listen_fd < 0 || setsockopt(l->listen_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    bind(l->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(l->listen_fd, 16) != 0 ||
	    getsockname(l->listen_fd, (struct sockaddr *)&sa, &len) != 0) {
		snprintf(why, cap, "cannot listen on %s: %s", addr, strerror(errno));
		run_link_free(l);
		return -1;
	}
	l->port = ntohs(sa.sin_port);
	l->bell_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->bell_fd < 0 || vmm_ns_buffer_alloc(vmm, LINK_PAGES, &l->ns, &err) != 0) {
		snprintf(why, cap, "the link's host-visible memory: %s", l->bell_fd < 0 ? strerror(errno) : err.msg);
		run_link_free(l);
		return -1;
	}
	struct link_header h = { .magic = LINK_MAGIC, .version = LINK_VERSION, .ring_pages = LINK_RING_PAGES };
	hostsim_host_write(l->ns.pas[0], &h, sizeof(h));
	*out = l;
	return 0;
}

uint16_t run_link_port(const struct run_link *l)
{
	return l->port;
}

int run_link_map(struct run_link *l, struct vmm_realm *r, uint64_t *ipa, uint64_t *pages)
{
	struct vmm_error err = { "" };

	/* An IPA above any realm's RAM: its unprotected alias is the link. */
	if (l->mapped || vmm_realm_map_ns_buffer(r, &l->ns, UINT64_C(0xC0000000), ipa, &err) != 0)
		return -1;
	l->mapped = true;
	*pages = LINK_PAGES;
	return 0;
}

/* Moves what it can between the socket and the rings; false when the
 * connection is over (the realm ended it and everything was sent, or the
 * client vanished and the realm is done). */
static bool relay_once(struct run_link *l, int fd, bool *client_eof, bool *client_dead)
{
	uint8_t buf[16384];
	bool moved = true;

	while (moved) {
		moved = false;
		/* realm -> client */
		uint64_t head = load(l, LINK_OFF_OUT_HEAD), tail = load(l, LINK_OFF_OUT_TAIL);
		if (head - tail > RING_SIZE)
			return false; /* the realm broke its own ring: end the connection */
		if (head != tail) {
			size_t n = head - tail < sizeof(buf) ? (size_t)(head - tail) : sizeof(buf);
			ring_copy(l, 1 + LINK_RING_PAGES, tail, buf, n, false);
			ssize_t w = *client_dead ? (ssize_t)n : send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
				*client_dead = true;
				w = (ssize_t)n;
			}
			if (w > 0) {
				store(l, LINK_OFF_OUT_TAIL, tail + (uint64_t)w);
				bell(l);
				moved = true;
			}
		}
		if (load(l, LINK_OFF_OUT_CLOSE) == l->conn && load(l, LINK_OFF_OUT_HEAD) == load(l, LINK_OFF_OUT_TAIL))
			return false;
		/* client -> realm */
		uint64_t ihead = load(l, LINK_OFF_IN_HEAD), itail = load(l, LINK_OFF_IN_TAIL);
		uint64_t room = itail <= ihead && ihead - itail <= RING_SIZE ? RING_SIZE - (ihead - itail) : 0;
		if (!*client_eof && !*client_dead && room) {
			ssize_t r = recv(fd, buf, room < sizeof(buf) ? (size_t)room : sizeof(buf), MSG_DONTWAIT);
			if (r > 0) {
				ring_copy(l, 1, ihead, buf, (size_t)r, true);
				store(l, LINK_OFF_IN_HEAD, ihead + (uint64_t)r);
				bell(l);
				moved = true;
			} else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
				*client_eof = true;
				if (r < 0)
					*client_dead = true;
				store(l, LINK_OFF_IN_EOF, l->conn);
				bell(l);
				moved = true;
			}
		}
	}
	return true;
}

static void serve(struct run_link *l, int fd)
{
	bool eof = false, dead = false;
	uint64_t idle_ms = 0;

	l->conn++;
	store(l, LINK_OFF_IN_START, load(l, LINK_OFF_IN_HEAD));
	store(l, LINK_OFF_CONN, l->conn);
	bell(l);
	while (!atomic_load(&l->stop) && relay_once(l, fd, &eof, &dead)) {
		struct pollfd p[2] = { { .fd = l->bell_fd, .events = POLLIN }, { .fd = fd, .events = 0 } };
		uint64_t ihead = load(l, LINK_OFF_IN_HEAD), itail = load(l, LINK_OFF_IN_TAIL);
		if (!eof && !dead && ihead - itail < RING_SIZE)
			p[1].events |= POLLIN;
		if (!dead && load(l, LINK_OFF_OUT_HEAD) != load(l, LINK_OFF_OUT_TAIL))
			p[1].events |= POLLOUT;
		int n = poll(p, 2, 100);
		uint64_t drained;
		if (n > 0 && p[0].revents & POLLIN && read(l->bell_fd, &drained, sizeof(drained)) < 0) {
			/* nothing to do: the counter was read by someone else */
		}
		/* A client that is gone gets at most DRAIN_MS of the realm's time. */
		idle_ms = n == 0 && (eof || dead) ? idle_ms + 100 : 0;
		if (idle_ms >= DRAIN_MS)
			break;
	}
	shutdown(fd, SHUT_RDWR);
	close(fd);
}

static void *relay(void *arg)
{
	struct run_link *l = arg;

	while (!atomic_load(&l->stop)) {
		struct pollfd p = { .fd = l->listen_fd, .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		int fd = accept4(l->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (l->log)
			fprintf(l->log, "caec run: connection %llu accepted\n", (unsigned long long)l->conn + 1);
		serve(l, fd);
	}
	return NULL;
}

int run_link_start(struct run_link *l, FILE *log)
{
	l->log = log;
	pthread_mutex_lock(&l->vmm->bell_lock);
	l->vmm->shared_bell_ctx = l;
	l->vmm->shared_bell_hook = on_bell;
	pthread_mutex_unlock(&l->vmm->bell_lock);
	if (pthread_create(&l->thread, NULL, relay, l) != 0)
		return -1;
	l->running = true;
	return 0;
}

void run_link_stop(struct run_link *l)
{
	if (!l)
		return;
	atomic_store(&l->stop, true);
	if (l->running)
		pthread_join(l->thread, NULL);
	l->running = false;
	if (l->listen_fd >= 0)
		close(l->listen_fd);
	l->listen_fd = -1;
}

void run_link_free(struct run_link *l)
{
	if (!l)
		return;
	run_link_stop(l);
	if (l->vmm && l->vmm->shared_bell_ctx == l) {
		pthread_mutex_lock(&l->vmm->bell_lock);
		l->vmm->shared_bell_hook = NULL;
		l->vmm->shared_bell_ctx = NULL;
		pthread_mutex_unlock(&l->vmm->bell_lock);
	}
	if (l->ns.pas)
		vmm_ns_buffer_free(&l->ns);
	if (l->bell_fd >= 0)
		close(l->bell_fd);
	free(l);
}
