/*
 * The notes tool: a small store of the user's notes that lives only in the
 * notes realm. A note is public (its text may be read back through the
 * agent) or private (a secret such as a door code: the store can say
 * whether a guess matches, but its text never leaves the realm, to the
 * agent, the model or anyone else).
 *
 * Arguments (JSON), by "op":
 *   {"op": "add", "title": T, "text": X [, "private": true]}  -> {"added": T}
 *   {"op": "get", "title": T}    -> {"title": T, "text": X} or, private,
 *                                   {"title": T, "private": true}
 *   {"op": "list"}               -> {"notes": [{"title": T, "private": b}, ...]}
 *   {"op": "search", "query": Q} -> {"matches": [titles of public notes
 *                                   whose title or text contains Q]}
 *   {"op": "check", "title": T, "text": X} -> {"match": true|false}
 *   {"op": "delete", "title": T} -> {"deleted": T}
 * Errors: {"error": "..."} (no such note, store full, a title twice...).
 * Titles are printable ASCII without quotes or backslashes, matched
 * case-insensitively. A private note is compared in constant
 * time and never searched, so timing and search results reveal nothing of
 * it. Bounded: NOTES_MAX notes of NOTES_TITLE_MAX / NOTES_TEXT_MAX bytes.
 * Realm code (no C library).
 */
#ifndef CAEC_AGENTEE_NOTES_H
#define CAEC_AGENTEE_NOTES_H

#include <stdbool.h>
#include <stddef.h>

#define NOTES_MAX       64
#define NOTES_TITLE_MAX 63
#define NOTES_TEXT_MAX  1023

struct note {
	bool used, private_;
	char title[NOTES_TITLE_MAX + 1];
	char text[NOTES_TEXT_MAX + 1];
	size_t text_len;
};

struct notes {
	struct note n[NOTES_MAX];
};

extern const char notes_schema[];

void notes_init(struct notes *s);

/* The whole request on store s: its answer's length, or -1 when resp is
 * too small (8 KiB always suffice). */
long notes_tool(struct notes *s, const char *args, size_t len, char *resp, size_t cap);

/* Wipes every note (the realm's last act). */
void notes_wipe(struct notes *s);

#endif
