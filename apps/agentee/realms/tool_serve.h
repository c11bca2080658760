/*
 * The loop every tool realm runs: open the tool's channel of the pipeline
 * (the policy names it), then answer each request with the tool's answer
 * (a JSON object) under the request's message ID, until the caller is
 * gone. A request that is not a JSON object of the tool's arguments gets
 * an {"error": ...} answer, never a crash; a message larger than
 * TOOL_MAX_MESSAGE is refused the same way.
 */
#ifndef CAEC_AGENTEE_TOOL_SERVE_H
#define CAEC_AGENTEE_TOOL_SERVE_H

#include <stddef.h>

#define TOOL_MAX_MESSAGE (16u << 10)

/* args[0..len) into resp[0..cap): the answer's length, or -1 (no room). */
typedef long (*tool_fn)(const char *args, size_t len, char *resp, size_t cap);

/* Runs the tool on channel `channel`; the realm's exit status. */
int tool_serve(const char *tool, const char *channel, tool_fn fn);

#endif
