/* The calculator tool's realm: answers {"expression": "..."} on its channel. */
#include "calc.h"
#include "tool_serve.h"

int realm_main(void)
{
	return tool_serve("calculator", "agent-calc", calc_tool);
}
