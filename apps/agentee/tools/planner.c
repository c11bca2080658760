/* The itinerary planner tool (planner.h). */
#include <stdbool.h>
#include <stdint.h>

#include "planner.h"
#include "schema.h"
#include "sdk/mem.h"
#include "sdk/rjson.h"

const char planner_schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"city\":{\"type\":\"string\",\"maxLength\":40},"
	"\"days\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":14},"
	"\"budget\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":1000000},"
	"\"interests\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":8},"
	"\"style\":{\"type\":\"string\",\"enum\":[\"relaxed\",\"balanced\",\"packed\"]}},"
	"\"required\":[\"city\",\"days\"]}";

struct sight {
	const char *name;
	const char *interest;
	uint16_t cost; /* EUR per person */
	uint8_t rank;  /* 1 = the city's best known */
};

struct city {
	const char *name;
	const char *walk; /* a free way to spend a slot */
	const struct sight *sights;
	unsigned n;
};

#define CITY(name, walk, arr) { name, walk, arr, sizeof(arr) / sizeof(arr[0]) }

static const struct sight paris[] = {
	{ "Louvre Museum", "art", 22, 1 },
	{ "Eiffel Tower summit", "architecture", 35, 1 },
	{ "Musee d'Orsay", "art", 16, 2 },
	{ "Notre-Dame and Ile de la Cite", "history", 0, 2 },
	{ "Montmartre and Sacre-Coeur", "culture", 0, 2 },
	{ "Sainte-Chapelle", "architecture", 13, 3 },
	{ "Marche des Enfants Rouges lunch", "food", 25, 3 },
	{ "Pastry tasting in Le Marais", "food", 40, 3 },
	{ "Seine river cruise", "culture", 17, 3 },
	{ "Palace of Versailles", "history", 21, 2 },
	{ "Jardin du Luxembourg", "nature", 0, 3 },
	{ "Galeries Lafayette", "shopping", 0, 4 },
	{ "Cabaret evening in Pigalle", "nightlife", 90, 4 },
	{ "Centre Pompidou", "art", 15, 3 },
};

static const struct sight rome[] = {
	{ "Colosseum and Roman Forum", "history", 18, 1 },
	{ "Vatican Museums and Sistine Chapel", "art", 20, 1 },
	{ "St Peter's Basilica", "architecture", 0, 1 },
	{ "Pantheon", "architecture", 5, 2 },
	{ "Trevi Fountain and Spanish Steps", "culture", 0, 2 },
	{ "Borghese Gallery", "art", 15, 2 },
	{ "Trastevere food walk", "food", 45, 3 },
	{ "Campo de' Fiori market", "food", 10, 3 },
	{ "Appian Way by bike", "nature", 25, 3 },
	{ "Capitoline Museums", "history", 16, 3 },
	{ "Villa Borghese gardens", "nature", 0, 4 },
	{ "Via del Corso shops", "shopping", 0, 4 },
	{ "Aperitivo in Monti", "nightlife", 20, 4 },
	{ "Catacombs of San Callisto", "history", 10, 3 },
};

static const struct sight tokyo[] = {
	{ "Senso-ji temple in Asakusa", "culture", 0, 1 },
	{ "Meiji Shrine and Yoyogi Park", "culture", 0, 1 },
	{ "Tsukiji outer market breakfast", "food", 30, 1 },
	{ "Shibuya crossing and Sky deck", "architecture", 20, 2 },
	{ "teamLab Planets", "art", 25, 2 },
	{ "Tokyo National Museum", "history", 8, 2 },
	{ "Shinjuku Gyoen garden", "nature", 4, 3 },
	{ "Ramen tasting in Shinjuku", "food", 15, 3 },
	{ "Akihabara electronics", "shopping", 0, 3 },
	{ "Ginza department stores", "shopping", 0, 4 },
	{ "Golden Gai bars", "nightlife", 35, 3 },
	{ "Sumo morning practice", "culture", 25, 4 },
	{ "Mori Art Museum", "art", 15, 3 },
	{ "Day trip to Kamakura", "history", 20, 3 },
	{ "Sushi dinner omakase", "food", 120, 4 },
};

static const struct sight london[] = {
	{ "British Museum", "history", 0, 1 },
	{ "Tower of London", "history", 34, 1 },
	{ "National Gallery", "art", 0, 1 },
	{ "Westminster Abbey", "architecture", 29, 2 },
	{ "Tate Modern", "art", 0, 2 },
	{ "Borough Market", "food", 20, 2 },
	{ "Hyde Park and Kensington Gardens", "nature", 0, 3 },
	{ "West End musical", "nightlife", 80, 3 },
	{ "Camden Market", "shopping", 10, 3 },
	{ "Kew Gardens", "nature", 22, 3 },
	{ "St Paul's Cathedral", "architecture", 25, 3 },
	{ "Afternoon tea", "food", 55, 4 },
};

static const struct sight barcelona[] = {
	{ "Sagrada Familia", "architecture", 26, 1 },
	{ "Park Guell", "architecture", 10, 1 },
	{ "Gothic Quarter walk", "history", 0, 2 },
	{ "La Boqueria market", "food", 15, 2 },
	{ "Picasso Museum", "art", 14, 2 },
	{ "Casa Batllo", "architecture", 35, 2 },
	{ "Barceloneta beach", "nature", 0, 3 },
	{ "Tapas crawl in El Born", "food", 40, 3 },
	{ "Montjuic and the Miro Foundation", "art", 15, 3 },
	{ "Passeig de Gracia shops", "shopping", 0, 4 },
	{ "Flamenco show", "nightlife", 45, 3 },
};

static const struct city cities[] = {
	CITY("Paris", "A walk along the Seine quays", paris),
	CITY("Rome", "A stroll through the Centro Storico", rome),
	CITY("Tokyo", "A walk through Yanaka's old streets", tokyo),
	CITY("London", "A walk along the South Bank", london),
	CITY("Barcelona", "A stroll down La Rambla", barcelona),
};

#define MAX_SIGHTS 32
_Static_assert(sizeof(paris) / sizeof(paris[0]) <= MAX_SIGHTS, "planner: used[] too small");
_Static_assert(sizeof(rome) / sizeof(rome[0]) <= MAX_SIGHTS, "planner: used[] too small");
_Static_assert(sizeof(tokyo) / sizeof(tokyo[0]) <= MAX_SIGHTS, "planner: used[] too small");
_Static_assert(sizeof(london) / sizeof(london[0]) <= MAX_SIGHTS, "planner: used[] too small");
_Static_assert(sizeof(barcelona) / sizeof(barcelona[0]) <= MAX_SIGHTS, "planner: used[] too small");

static bool same_word(const char *a, const char *b, size_t blen)
{
	size_t i = 0;

	for (; i < blen && a[i]; i++) {
		char x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return i == blen && !a[i];
}

struct request {
	const struct city *city;
	int64_t days, budget; /* budget < 0: none given */
	unsigned per_day;
	char interests[8][24];
	unsigned n_interests;
};

static bool wanted(const struct request *q, const struct sight *s)
{
	for (unsigned i = 0; i < q->n_interests; i++)
		if (same_word(s->interest, q->interests[i], sdk_strlen(q->interests[i])))
			return true;
	return false;
}

/* Lower is better: a matching interest first, then the city's rank, then
 * the catalogue's order (so the plan is deterministic). */
static unsigned score(const struct request *q, const struct sight *s, unsigned index)
{
	return (wanted(q, s) ? 0u : 1000u) + s->rank * 50u + index;
}

static int parse_request(const char *args, size_t len, struct request *q, const char **why, char *buf,
			 size_t cap)
{
	struct tool_schema schema;
	struct rjson_node nodes[SCHEMA_MAX_NODES];
	struct rjson_doc d;

	if (schema_parse(planner_schema, sizeof(planner_schema) - 1, &schema, why) != 0)
		return -1;
	if (rjson_parse(args, len, nodes, SCHEMA_MAX_NODES, &d, 0) != RJSON_OK) {
		*why = "the arguments are not JSON";
		return -1;
	}
	if (schema_check(&schema, &d, 0, buf, cap) != 0) {
		*why = buf;
		return -1;
	}
	char city[48];
	rjson_string(&d, rjson_get(&d, 0, "city"), city, sizeof(city));
	q->city = 0;
	for (unsigned i = 0; i < sizeof(cities) / sizeof(cities[0]); i++)
		if (same_word(cities[i].name, city, sdk_strlen(city)))
			q->city = &cities[i];
	if (!q->city) {
		*why = "the planner has no data for that city (it knows Paris, Rome, Tokyo, London, Barcelona)";
		return -1;
	}
	rjson_int(&d, rjson_get(&d, 0, "days"), &q->days);
	uint32_t b = rjson_get(&d, 0, "budget"), st = rjson_get(&d, 0, "style"), in = rjson_get(&d, 0, "interests");
	q->budget = -1;
	if (b)
		rjson_int(&d, b, &q->budget);
	q->per_day = 3;
	if (st && rjson_string_is(&d, st, "relaxed"))
		q->per_day = 2;
	else if (st && rjson_string_is(&d, st, "packed"))
		q->per_day = 4;
	q->n_interests = 0;
	for (uint32_t e = in ? rjson_first(&d, in) : 0; e; e = d.nodes[e].next)
		if (rjson_string(&d, e, q->interests[q->n_interests], sizeof(q->interests[0])) >= 0)
			q->n_interests++;
	return 0;
}

long planner_tool(const char *args, size_t len, char *resp, size_t cap)
{
	struct request q;
	const char *why;
	char whybuf[128];

	if (parse_request(args, len, &q, &why, whybuf, sizeof(whybuf)) != 0)
		return tool_reply(resp, cap, "error", why);

	bool used[MAX_SIGHTS] = { false };
	int64_t total = 0;
	struct rjson_writer w;
	rjson_writer_init(&w, resp, cap);
	rjson_begin_object(&w);
	rjson_key(&w, "city");
	rjson_str(&w, q.city->name);
	rjson_key(&w, "currency");
	rjson_str(&w, "EUR");
	rjson_key(&w, "days");
	rjson_begin_array(&w);
	for (int64_t day = 1; day <= q.days; day++) {
		/* The day's share of what is left, so an early day cannot spend
		 * the whole trip's budget. */
		int64_t allowance = q.budget < 0 ? INT64_MAX : (q.budget - total) / (q.days - day + 1);
		int64_t spent = 0;
		rjson_begin_object(&w);
		rjson_key(&w, "day");
		rjson_i64(&w, day);
		rjson_key(&w, "items");
		rjson_begin_array(&w);
		for (unsigned slot = 0; slot < q.per_day; slot++) {
			int best = -1;
			for (unsigned i = 0; i < q.city->n; i++) {
				const struct sight *s = &q.city->sights[i];
				if (used[i] || spent + s->cost > allowance)
					continue;
				if (best < 0 || score(&q, s, i) < score(&q, &q.city->sights[best], (unsigned)best))
					best = (int)i;
			}
			rjson_begin_object(&w);
			rjson_key(&w, "name");
			if (best < 0) {
				rjson_str(&w, q.city->walk);
				rjson_key(&w, "cost");
				rjson_i64(&w, 0);
			} else {
				const struct sight *s = &q.city->sights[best];
				used[best] = true;
				spent += s->cost;
				rjson_str(&w, s->name);
				rjson_key(&w, "interest");
				rjson_str(&w, s->interest);
				rjson_key(&w, "cost");
				rjson_i64(&w, s->cost);
			}
			rjson_end_object(&w);
		}
		rjson_end_array(&w);
		rjson_key(&w, "cost");
		rjson_i64(&w, spent);
		rjson_end_object(&w);
		total += spent;
	}
	rjson_end_array(&w);
	rjson_key(&w, "total_cost");
	rjson_i64(&w, total);
	if (q.budget >= 0) {
		rjson_key(&w, "budget");
		rjson_i64(&w, q.budget);
	}
	rjson_end_object(&w);
	return rjson_writer_finish(&w);
}
