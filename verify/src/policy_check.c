/*
 * Static checks of a policy source (verify/policy.h): where its data can
 * flow. The graph has a node per realm and one for the host; an edge a -> b
 * says a can hand b data, through the first channel (in source order) on
 * which a may write and b may read, or directly for the host. Searches are
 * breadth first with neighbours in index order, so each answer is a shortest
 * chain and the same one on every run.
 */
#include <stdio.h>
#include <string.h>

#include "abi/caec.h"
#include "verify/policy.h"

#define NODES (POLICY_NODE_HOST + 1)
#define NO_EDGE (-1)

struct graph {
	unsigned n;        /* realms; the host is POLICY_NODE_HOST */
	int hop[NODES][NODES]; /* channel index, POLICY_HOP_HOST or NO_EDGE */
};

static void graph_build(const struct policy_source *src, struct graph *g)
{
	g->n = src->num_realms < POLICY_MAX_REALMS ? src->num_realms : POLICY_MAX_REALMS;
	for (unsigned a = 0; a < NODES; a++)
		for (unsigned b = 0; b < NODES; b++)
			g->hop[a][b] = NO_EDGE;
	for (unsigned c = 0; c < src->num_channels && c < POLICY_MAX_CHANNELS; c++) {
		const uint8_t *perms = src->channels[c].perms;
		for (unsigned a = 0; a < g->n; a++)
			for (unsigned b = 0; b < g->n; b++)
				if (a != b && (perms[a] & CSM_PERM_WRITE) && (perms[b] & CSM_PERM_READ) &&
				    g->hop[a][b] == NO_EDGE)
					g->hop[a][b] = (int)c;
	}
	/* A doorbell carries no data, and "deny" nothing at all. */
	for (unsigned x = 0; x < g->n; x++)
		if (src->realms[x].gateway || src->host_calls == POLICY_HOST_CALLS_ALLOW) {
			g->hop[x][POLICY_NODE_HOST] = POLICY_HOP_HOST;
			g->hop[POLICY_NODE_HOST][x] = POLICY_HOP_HOST;
		}
}

static bool is_node(const struct graph *g, unsigned v)
{
	return v < g->n || v == POLICY_NODE_HOST;
}

/* A shortest chain from -> to that does not visit `blocked` (NODES: none);
 * false when there is none. */
static bool shortest(const struct graph *g, unsigned from, unsigned to, unsigned blocked, struct policy_chain *out)
{
	int parent[NODES];
	unsigned queue[NODES], head = 0, tail = 0;

	for (unsigned v = 0; v < NODES; v++)
		parent[v] = -1;
	parent[from] = (int)from;
	queue[tail++] = from;
	while (head < tail && parent[to] < 0) {
		unsigned a = queue[head++];
		for (unsigned b = 0; b < NODES; b++) {
			if (parent[b] >= 0 || b == blocked || !is_node(g, b) || g->hop[a][b] == NO_EDGE)
				continue;
			parent[b] = (int)a;
			queue[tail++] = b;
		}
	}
	if (parent[to] < 0)
		return false;
	unsigned rev[NODES], len = 0;
	for (unsigned v = to; v != from; v = (unsigned)parent[v])
		rev[len++] = v;
	rev[len++] = from;
	memset(out, 0, sizeof(*out));
	out->len = len;
	for (unsigned i = 0; i < len; i++)
		out->nodes[i] = rev[len - 1 - i];
	for (unsigned i = 0; i + 1 < len; i++)
		out->hops[i] = (unsigned)g->hop[out->nodes[i]][out->nodes[i + 1]];
	return true;
}

unsigned policy_check_host_reach(const struct policy_source *src, struct policy_chain chains[POLICY_MAX_REALMS])
{
	struct graph g;
	unsigned found = 0;

	graph_build(src, &g);
	for (unsigned r = 0; r < POLICY_MAX_REALMS; r++) {
		chains[r].len = 0;
		if (r >= g.n || src->realms[r].gateway || src->realms[r].reaches_host)
			continue;
		if (shortest(&g, r, POLICY_NODE_HOST, NODES, &chains[r]))
			found++;
	}
	return found;
}

int policy_check_path(const struct policy_source *src, unsigned from, unsigned to, unsigned via,
		      struct policy_chain *avoiding, bool *reachable)
{
	struct graph g;
	struct policy_chain any;

	graph_build(src, &g);
	if (!is_node(&g, from) || !is_node(&g, to) || !is_node(&g, via) || from == to || from == via || to == via)
		return -1;
	if (avoiding)
		avoiding->len = 0;
	bool reach = shortest(&g, from, to, NODES, &any);
	if (reachable)
		*reachable = reach;
	if (!reach)
		return 1;
	if (shortest(&g, from, to, via, avoiding ? avoiding : &any))
		return 0;
	return 1;
}

static const char *node_name(const struct policy_source *src, unsigned v)
{
	return v == POLICY_NODE_HOST ? "host" : v < src->num_realms ? src->realms[v].name : "?";
}

void policy_chain_format(const struct policy_source *src, const struct policy_chain *c, char *buf, size_t size)
{
	size_t used = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (unsigned i = 0; i < c->len && used < size; i++) {
		int n;
		if (i == 0)
			n = snprintf(buf + used, size - used, "%s", node_name(src, c->nodes[0]));
		else if (c->hops[i - 1] == POLICY_HOP_HOST || c->hops[i - 1] >= src->num_channels)
			n = snprintf(buf + used, size - used, " -> %s", node_name(src, c->nodes[i]));
		else
			n = snprintf(buf + used, size - used, " -> [%s] -> %s", src->channels[c->hops[i - 1]].name,
				     node_name(src, c->nodes[i]));
		if (n < 0)
			return;
		used += (size_t)n;
	}
}

/* ---- references, on the JSON itself ---- */

static void declared_list(const json_t *realms, char *buf, size_t size)
{
	const char *name;
	json_t *v;

	buf[0] = '\0';
	if (!json_is_object(realms) || json_object_size(realms) == 0) {
		snprintf(buf, size, "none");
		return;
	}
	json_object_foreach((json_t *)realms, name, v)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? ", " : "", name);
}

static void note(struct policy_err *lines, unsigned max, unsigned *count, const char *what, const char *name,
		 const char *declared)
{
	if (*count < max)
		snprintf(lines[*count].msg, sizeof(lines[*count].msg), "%s '%s' is not a declared realm (declared: %s)",
			 what, name, declared);
	(*count)++;
}

unsigned policy_check_references(const json_t *root, struct policy_err *lines, unsigned max)
{
	const json_t *realms = json_object_get(root, "realms"), *channels = json_object_get(root, "channels");
	const json_t *self = json_object_get(root, "self");
	char declared[POLICY_ERR_MAX], what[96];
	unsigned count = 0;
	const char *cname;
	json_t *ch;

	if (!json_is_object(root))
		return 0;
	declared_list(realms, declared, sizeof(declared));
	if (json_is_string(self) && !json_object_get(realms, json_string_value(self)))
		note(lines, max, &count, "\"self\":", json_string_value(self), declared);
	if (!json_is_object(channels))
		return count;
	json_object_foreach((json_t *)channels, cname, ch) {
		const json_t *owner = json_object_get(ch, "owner"), *members = json_object_get(ch, "members");
		const char *mname;
		json_t *perm;
		if (json_is_string(owner) && !json_object_get(realms, json_string_value(owner))) {
			snprintf(what, sizeof(what), "channel '%.40s': owner", cname);
			note(lines, max, &count, what, json_string_value(owner), declared);
		}
		if (!json_is_object(members))
			continue;
		json_object_foreach((json_t *)members, mname, perm) {
			(void)perm;
			if (json_object_get(realms, mname))
				continue;
			snprintf(what, sizeof(what), "channel '%.40s': member", cname);
			note(lines, max, &count, what, mname, declared);
		}
	}
	return count;
}
