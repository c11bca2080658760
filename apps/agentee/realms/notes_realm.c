/* The notes tool's realm: the store lives in this realm's private memory
 * and nowhere else. It starts with a private note holding a door code it
 * draws itself, so the pipeline has a secret that no other realm (nor the
 * host) ever holds; tests ask the agent about it and look for it. */
#include "caec/arch.h"
#include "notes.h"
#include "sdk/console.h"
#include "sdk/heap.h"
#include "tool_serve.h"

static struct notes *store;

static long serve(const char *args, size_t len, char *resp, size_t cap)
{
	return notes_tool(store, args, len, resp, cap);
}

static int seed(struct notes *s)
{
	unsigned char r[8];
	char req[160], resp[128];
	static const char head[] = "{\"op\":\"add\",\"title\":\"Door code\",\"private\":true,\"text\":\"";
	size_t k = sizeof(head) - 1;

	if (caec_arch_random(r, sizeof(r)) != 0)
		return -1;
	__builtin_memcpy(req, head, k);
	for (unsigned i = 0; i < sizeof(r); i++)
		req[k++] = (char)('0' + r[i] % 10);
	req[k++] = '"';
	req[k++] = '}';
	long n = notes_tool(s, req, k, resp, sizeof(resp));
	__builtin_memset(req, 0, sizeof(req));
	__builtin_memset(r, 0, sizeof(r));
	static const char trip[] = "{\"op\":\"add\",\"title\":\"Trip ideas\",\"text\":\"Rome in spring, Tokyo in autumn\"}";
	return n > 0 && notes_tool(s, trip, sizeof(trip) - 1, resp, sizeof(resp)) > 0 ? 0 : -1;
}

int realm_main(void)
{
	store = sdk_malloc(sizeof(*store));
	if (!store) {
		sdk_printf("notes: no memory for the store\n");
		return 1;
	}
	notes_init(store);
	if (seed(store) != 0) {
		sdk_printf("notes: no random numbers for the door code\n");
		return 1;
	}
	int r = tool_serve("notes", "agent-notes", serve);
	notes_wipe(store);
	return r;
}
