/* The closest known name to a misspelled one (optimal string alignment distance). */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "verify/names.h"

/* Longer words than this are compared by prefix only. */
#define NAME_MAX_LEN 64

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

static bool same_char(char a, char b)
{
	return tolower((unsigned char)a) == tolower((unsigned char)b);
}

/* Edit distance with adjacent transpositions; SIZE_MAX for words too long. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[NAME_MAX_LEN + 1][NAME_MAX_LEN + 1];

	if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
		return (size_t)-1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = same_char(a[i - 1], b[j - 1]) ? 0 : 1;
			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && same_char(a[i - 1], b[j - 2]) && same_char(a[i - 2], b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb];
}

static bool is_prefix(const char *word, const char *name)
{
	size_t n = strlen(word);
	if (n == 0 || n >= strlen(name))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!same_char(word[i], name[i]))
			return false;
	return true;
}

const char *closest_name(const char *word, const char *const *names, size_t n)
{
	size_t limit = strlen(word) <= 4 ? 1 : 2;
	size_t best = (size_t)-1;
	const char *found = NULL, *prefix_of = NULL;
	bool tie = false;
	size_t prefixes = 0;

	for (size_t i = 0; i < n; i++) {
		if (!names[i])
			continue;
		size_t d = distance(word, names[i]);
		if (d < best) {
			best = d;
			found = names[i];
			tie = false;
		} else if (d == best && strcmp(found, names[i]) != 0) {
			tie = true;
		}
		if (is_prefix(word, names[i])) {
			prefixes++;
			prefix_of = names[i];
		}
	}
	if (found && best <= limit && !tie)
		return found;
	return prefixes == 1 ? prefix_of : NULL;
}
