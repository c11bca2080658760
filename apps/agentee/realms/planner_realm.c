/* The itinerary planner's realm: answers plan requests on its channel; its
 * catalogue of sights exists only in this realm's image. */
#include "planner.h"
#include "tool_serve.h"

int realm_main(void)
{
	return tool_serve("planner", "agent-planner", planner_tool);
}
