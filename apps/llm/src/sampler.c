/* Greedy, temperature and nucleus sampling with a seeded generator. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "llm/sampler.h"
#include "port.h"

void llm_rng_seed(struct llm_rng *r, uint64_t seed)
{
	/* splitmix64 spreads any seed (0 included) into a non-zero state. */
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	r->state = z ? z : 0x2545f4914f6cdd1dull;
}

uint64_t llm_rng_next(struct llm_rng *r)
{
	uint64_t x = r->state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->state = x;
	return x * 0x2545f4914f6cdd1dull;
}

float llm_rng_float(struct llm_rng *r)
{
	return (float)(llm_rng_next(r) >> 40) * 0x1p-24f;
}

uint32_t llm_argmax(const float *v, uint32_t n)
{
	uint32_t best = 0;
	for (uint32_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

int llm_sampler_create(struct llm_sampler **out, uint32_t vocab, float temperature, float top_p,
		       uint64_t seed, const struct llm_allocator *alloc)
{
	*out = NULL;
	if (vocab == 0 || !(temperature >= 0) || isnan(top_p))
		return -EINVAL;
	struct llm_sampler *s = llm_alloc(alloc, sizeof(*s), _Alignof(struct llm_sampler));
	if (!s)
		return -ENOMEM;
	s->scratch = llm_alloc_array(alloc, vocab, sizeof(*s->scratch), _Alignof(struct llm_prob));
	if (!s->scratch) {
		llm_free(alloc, s, sizeof(*s));
		return -ENOMEM;
	}
	s->alloc = alloc;
	s->vocab = vocab;
	s->temperature = temperature;
	s->top_p = top_p;
	llm_rng_seed(&s->rng, seed);
	*out = s;
	return 0;
}

void llm_sampler_free(struct llm_sampler *s)
{
	if (!s)
		return;
	llm_free(s->alloc, s->scratch, (size_t)s->vocab * sizeof(*s->scratch));
	llm_free(s->alloc, s, sizeof(*s));
}

static void softmax(float *v, uint32_t n)
{
	float max = v[0];
	for (uint32_t i = 1; i < n; i++)
		max = v[i] > max ? v[i] : max;
	float sum = 0;
	for (uint32_t i = 0; i < n; i++) {
		v[i] = llm_expf(v[i] - max);
		sum += v[i];
	}
	for (uint32_t i = 0; i < n; i++)
		v[i] /= sum;
}

static uint32_t sample_all(const float *p, uint32_t n, float coin)
{
	float cum = 0;
	for (uint32_t i = 0; i < n; i++) {
		cum += p[i];
		if (coin < cum)
			return i;
	}
	return n - 1; /* rounding left the sum just under coin */
}

static int cmp_prob_desc(const void *a, const void *b)
{
	const struct llm_prob *x = a, *y = b;
	if (x->p != y->p)
		return x->p > y->p ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id; /* deterministic order on ties */
}

static uint32_t sample_nucleus(struct llm_sampler *s, const float *p, float coin)
{
	uint32_t n = s->vocab, m = 0;
	/* A token below (1 - top_p) / (n - 1) cannot be in the nucleus: even if
	 * every other token were that small they would not reach 1 - top_p.
	 * Dropping them first keeps the sort short. */
	float cutoff = n > 1 ? (1.0f - s->top_p) / (float)(n - 1) : 0.0f;
	for (uint32_t i = 0; i < n; i++)
		if (p[i] >= cutoff)
			s->scratch[m++] = (struct llm_prob){ p[i], i };
	if (m == 0) /* a nucleus below 1/n with a flat distribution, or NaNs */
		return llm_argmax(p, n);
	llm_qsort(s->scratch, m, sizeof(*s->scratch), cmp_prob_desc);
	float cum = 0;
	uint32_t last = m - 1;
	for (uint32_t i = 0; i < m; i++) {
		cum += s->scratch[i].p;
		if (cum >= s->top_p) {
			last = i;
			break;
		}
	}
	float r = coin * cum, acc = 0;
	for (uint32_t i = 0; i <= last; i++) {
		acc += s->scratch[i].p;
		if (r < acc)
			return s->scratch[i].id;
	}
	return s->scratch[last].id;
}

uint32_t llm_sample(struct llm_sampler *s, float *logits)
{
	if (s->temperature == 0)
		return llm_argmax(logits, s->vocab);
	for (uint32_t i = 0; i < s->vocab; i++)
		logits[i] /= s->temperature;
	softmax(logits, s->vocab);
	float coin = llm_rng_float(&s->rng);
	if (s->top_p <= 0 || s->top_p >= 1)
		return sample_all(logits, s->vocab, coin);
	return sample_nucleus(s, logits, coin);
}
