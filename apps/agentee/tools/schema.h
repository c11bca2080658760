/*
 * Tool schemas: the subset of JSON Schema the agent checks a model's tool
 * call against before anything reaches a tool (and that the llm realm's
 * constrained decoder can follow).
 *
 * A schema is an object schema of flat properties:
 *   {"type": "object",
 *    "properties": {"city": {"type": "string", "maxLength": 64},
 *                   "days": {"type": "integer", "minimum": 1, "maximum": 14},
 *                   "style": {"type": "string", "enum": ["relaxed", "packed"]},
 *                   "interests": {"type": "array", "items": {"type": "string"}}},
 *    "required": ["city", "days"]}
 * Property types: string (maxLength, enum), number, integer (minimum,
 * maximum), boolean, array of strings (maxItems). Properties not declared
 * are refused (a tool is never handed arguments its author did not plan
 * for). Anything else in a schema is an error when it is parsed, so a
 * schema never silently means less than its author wrote.
 * Realm code (no C library).
 */
#ifndef CAEC_AGENTEE_SCHEMA_H
#define CAEC_AGENTEE_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdk/rjson.h"

#define SCHEMA_MAX_PROPS 8
#define SCHEMA_NAME_MAX  31
#define SCHEMA_MAX_ENUM  8
#define SCHEMA_ENUM_MAX  31

enum schema_type { SCHEMA_STRING, SCHEMA_NUMBER, SCHEMA_INTEGER, SCHEMA_BOOLEAN, SCHEMA_STRING_ARRAY };

struct schema_prop {
	char name[SCHEMA_NAME_MAX + 1];
	enum schema_type type;
	bool required;
	bool has_min, has_max;
	int64_t min, max;   /* integer bounds */
	uint32_t max_len;   /* string: most bytes (0: no limit); array: most items */
	uint32_t n_enum;
	char enum_vals[SCHEMA_MAX_ENUM][SCHEMA_ENUM_MAX + 1];
};

struct tool_schema {
	uint32_t n;
	struct schema_prop props[SCHEMA_MAX_PROPS];
};

/* Parses schema text. 0, or -1 with *why (static text). */
int schema_parse(const char *json, size_t len, struct tool_schema *s, const char **why);

/* Checks object node obj of d against s. 0, or -1 with the reason, naming
 * the property, in why[0..cap) (NUL-terminated, truncated). */
int schema_check(const struct tool_schema *s, const struct rjson_doc *d, uint32_t obj, char *why, size_t cap);

/* A tool's one-member answer {"key": "text"} (e.g. {"error": why}) into
 * resp[0..cap): its length, or -1 when it does not fit. */
long tool_reply(char *resp, size_t cap, const char *key, const char *text);

/* The most nodes a document of arguments for any schema may need. */
#define SCHEMA_MAX_NODES 256

#endif
