/*
 * agentee_tool_cli TOOL: runs one of the agent's tools natively on JSON
 * arguments, one request a line on standard input, and prints each answer
 * on its own line, exactly as the tool's realm would send it. The model
 * builder (apps/agentee/model/make_tool_model.py) writes its training
 * transcripts from these answers, so they hold the tools' real outputs.
 * TOOL is calculator, planner or notes; the notes store lives for the
 * whole run, so earlier "add" lines fill it for later ones.
 * Exit status: 0, 2 on a usage error or a line too long.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc.h"
#include "notes.h"
#include "planner.h"

#define LINE_MAX_BYTES 8192
#define ANSWER_MAX     16384

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "calculator") && strcmp(argv[1], "planner") && strcmp(argv[1], "notes"))) {
		fprintf(stderr, "usage: agentee_tool_cli calculator|planner|notes < ARGUMENTS-PER-LINE\n");
		return 2;
	}
	static struct notes store;
	static char line[LINE_MAX_BYTES + 2];
	static char answer[ANSWER_MAX];
	notes_init(&store);
	unsigned long lineno = 0;
	while (fgets(line, sizeof(line), stdin)) {
		lineno++;
		size_t len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (len > LINE_MAX_BYTES) {
			fprintf(stderr, "agentee_tool_cli: line %lu is longer than %d bytes\n", lineno, LINE_MAX_BYTES);
			return 2;
		}
		long n;
		if (argv[1][0] == 'c')
			n = calc_tool(line, len, answer, sizeof(answer));
		else if (argv[1][0] == 'p')
			n = planner_tool(line, len, answer, sizeof(answer));
		else
			n = notes_tool(&store, line, len, answer, sizeof(answer));
		if (n < 0) {
			/* The headers promise 8 KiB always suffice; twice that failing is a tool bug. */
			fprintf(stderr, "agentee_tool_cli: line %lu: the answer does not fit %d bytes\n", lineno,
				ANSWER_MAX);
			return 2;
		}
		fwrite(answer, 1, (size_t)n, stdout);
		putchar('\n');
	}
	notes_wipe(&store);
	return 0;
}
