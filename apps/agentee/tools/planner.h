/*
 * The itinerary planner tool: a day-by-day plan for a city from the
 * planner's own catalogue of sights (which only the planner realm holds),
 * chosen by the traveller's interests, budget and pace.
 *
 * Arguments (JSON): {"city": "Paris", "days": 3, "budget": 400,
 * "interests": ["art", "food"], "style": "relaxed" | "balanced" | "packed"};
 * city and days are required. The plan is deterministic: the same request
 * always gets the same plan. Each day has as many sights as the style
 * allows (2, 3, 4), preferring those matching an interest, then the
 * city's highlights, never repeating one and never exceeding the day's
 * share of the budget (free walks fill a day the budget cannot).
 * Realm code (no C library).
 */
#ifndef CAEC_AGENTEE_PLANNER_H
#define CAEC_AGENTEE_PLANNER_H

#include <stddef.h>

#define PLANNER_MAX_DAYS 14

/* The planner's schema (schema.h), as the agent declares the tool. */
extern const char planner_schema[];

/* The whole request: arguments into the answer {"city": ..., "days": [...],
 * "total_cost": N, "currency": "EUR"} or {"error": "..."}: its length, or
 * -1 when resp is too small (8 KiB always suffice). */
long planner_tool(const char *args, size_t len, char *resp, size_t cap);

#endif
