"""Agent transcripts for the tool model: user requests, the tool call the model should make,
the tool's real answer (from agentee_tool_cli, the tools' own C code) and a final answer
that uses it; plus chat turns that need no tool.

Everything is rendered exactly as apps/agentee/agent/agent.c renders a conversation, so
the model sees at training time the text the agent will show it.
"""

import json
import subprocess

SYSTEM = ("You are a helpful assistant.\nTools:\n"
          "- calculator: exact arithmetic on an expression\n"
          "- planner: a day-by-day trip plan for a city\n"
          "- notes: the user's notes (add, get, list, search, check)\n"
          "To use a tool, reply with only {\"tool\": \"NAME\", \"arguments\": {...}}.")

CITIES = ["Paris", "Rome", "Tokyo", "London", "Barcelona"]
UNKNOWN_CITIES = ["Berlin", "Madrid", "Vienna", "Lisbon"]
INTERESTS = ["art", "food", "history", "culture", "architecture", "nature", "shopping",
             "nightlife"]
STYLES = ["relaxed", "balanced", "packed"]
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}

# The notes store of the demo's notes realm holds these two (realms/notes_realm.c); the
# other notes vary from one simulated store to the next.
SEED_NOTES = [("Door code", "4711", True), ("Trip ideas", "Rome in spring, Tokyo in autumn", False)]
NOTE_POOL = [
    ("Shopping", "milk, eggs, bread and coffee"), ("Books", "Dune, Emma and The Hobbit"),
    ("Gym", "run on Monday, swim on Thursday"), ("Recipes", "lentil soup and lemon cake"),
    ("Birthday gifts", "a scarf for Anna, a kite for Tom"), ("Meeting", "budget review at 10"),
    ("Garden", "water the roses, plant tulips"), ("Movies", "Alien, Heat and Up"),
    ("Car", "oil change in May"), ("Packing list", "passport, charger, umbrella"),
    ("Ideas", "a blog about bread"), ("Doctor", "appointment on Friday at 3"),
    ("Music", "learn two songs on the piano"), ("Todo", "call the bank, fix the bike"),
]
PRIVATE_POOL = [("Wifi password", "blue-otter-42"), ("Bank PIN", "8302"),
                ("Locker code", "1966")]
NEW_NOTES = [
    ("Groceries", "apples, rice and tea"), ("Call mom", "on Sunday evening"),
    ("Dentist", "Tuesday at 9"), ("Gift ideas", "a book for Sam"),
    ("Holiday", "book the train to Rome"), ("Plants", "water the ficus"),
    ("Reading", "finish chapter four"), ("Work", "send the report"),
    ("Party", "buy balloons and cake"), ("Bills", "pay rent on the first"),
    ("Workout", "twenty push-ups a day"), ("Cleaning", "clean the kitchen"),
    ("Pets", "buy food for the cat"), ("Lunch", "pasta with pesto"),
    ("Travel", "pack the big suitcase"), ("School", "sign the form for Mia"),
]


def render_system():
    return "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n"


def render(turns):
    """turns: [(role, text)] after the system prompt. Returns the whole text and the
    character spans of the assistant's replies (each including its <|im_end|>), which are
    what the model is trained to write."""
    text = render_system()
    spans = []
    for role, content in turns:
        text += "<|im_start|>" + role + "\n"
        if role == "assistant":
            start = len(text)
            text += content + "<|im_end|>"
            spans.append((start, len(text)))
            text += "\n"
        else:
            text += content + "<|im_end|>\n"
    return text, spans


def prompt_for(user):
    """What the agent sends the model for a new request."""
    return render_system() + "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n"


def call_text(tool, args):
    return json.dumps({"tool": tool, "arguments": args})


# ---- requests ----

def _num(rng, decimals=False):
    if decimals and rng.random() < 0.5:
        return f"{rng.integers(1, 100)}.{rng.integers(1, 100):02d}".rstrip("0")
    top = [10, 100, 1000][rng.integers(3)]
    return str(int(rng.integers(1, top)))


def calc_request(rng):
    """(user text, expression)."""
    pick = lambda xs: xs[rng.integers(len(xs))]  # noqa: E731
    ops = ["+", "-", "*", "/"]
    kind = rng.integers(6)
    dec = rng.random() < 0.3
    if kind <= 1:
        expr = f"{_num(rng, dec)} {pick(ops)} {_num(rng, dec)}"
    elif kind == 2:
        expr = f"({_num(rng, dec)} {pick(ops[:2])} {_num(rng, dec)}) {pick(ops[2:])} {_num(rng, dec)}"
    elif kind == 3:
        expr = f"{_num(rng, dec)} {pick(ops)} {_num(rng, dec)} {pick(ops)} {_num(rng, dec)}"
    elif kind == 4:
        expr = f"{_num(rng)} ^ {rng.integers(2, 5)}"
    else:
        a, b = _num(rng), int(rng.integers(2, 99))
        user = pick([f"What is {b} percent of {a}?", f"What is {b}% of {a}?",
                     f"Calculate {b}% of {a}."])
        return user, f"{a} * {b} / 100"
    user = pick([f"What is {expr}?", f"Calculate {expr}.", f"How much is {expr}?",
                 f"Compute {expr}", f"What's {expr}?", f"Please work out {expr}.",
                 f"Can you calculate {expr} for me?", f"{expr} = ?"])
    return user, expr


def calc_answer(expr, result):
    if "result" in result:
        return f"{expr} is {result['result']}."
    return f"I could not compute {expr}: {result['error']}."


def planner_request(rng):
    """(user text, arguments) with the arguments in the schema's order."""
    pick = lambda xs: xs[rng.integers(len(xs))]  # noqa: E731
    city = pick(CITIES) if rng.random() < 0.93 else pick(UNKNOWN_CITIES)
    days = int(rng.integers(1, 6))
    args = {"city": city, "days": days}
    budget = int(rng.integers(2, 21)) * 50 if rng.random() < 0.4 else None
    interests = ([str(x) for x in rng.choice(INTERESTS, size=rng.integers(1, 3), replace=False)]
                 if rng.random() < 0.5 else None)
    style = pick(STYLES) if rng.random() < 0.4 else None
    if budget is not None:
        args["budget"] = budget
    if interests:
        args["interests"] = interests
    if style:
        args["style"] = style
    d = NUMBER_WORDS[days] if rng.random() < 0.3 else str(days)
    dayword = "day" if days == 1 else "days"
    head = pick([f"Plan a {d}-day trip to {city}.", f"Plan {d} {dayword} in {city}.",
                 f"I am going to {city} for {d} {dayword}. Can you plan it?",
                 f"Make me a {d}-day itinerary for {city}.",
                 f"What should I do in {city} in {d} {dayword}?",
                 f"Please plan my {d}-day visit to {city}."])
    extra = []
    if budget is not None:
        extra.append(pick([f"My budget is {budget} EUR.", f"Budget {budget} euros.",
                           f"I can spend {budget} EUR."]))
    if interests:
        it = " and ".join(interests)
        extra.append(pick([f"I like {it}.", f"I love {it}.", f"Interests: {it}."]))
    if style:
        extra.append(pick([f"Keep it {style}.", f"A {style} pace, please.", f"Style: {style}."]))
    rng.shuffle(extra)
    return " ".join([head] + extra), args


def _names(items):
    seen = []
    for it in items:
        if it["name"] not in seen:
            seen.append(it["name"])
    return seen


def _and(xs):
    return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " and " + xs[-1]


def planner_answer(args, result):
    if "error" in result:
        return f"Sorry, {result['error']}."
    n = len(result["days"])
    days = "; ".join(f"day {d['day']} {_and(_names(d['items']))}" for d in result["days"])
    return (f"Here is a {n}-day plan for {result['city']}: {days}. "
            f"Total cost: {result['total_cost']} {result['currency']}.")


def notes_store(rng):
    """The notes of one simulated store: the demo's two, some public and maybe a private."""
    k = int(rng.integers(0, 5))
    pub = [NOTE_POOL[i] for i in rng.choice(len(NOTE_POOL), size=k, replace=False)]
    notes = list(SEED_NOTES) + [(t, x, False) for t, x in pub]
    if rng.random() < 0.4:
        t, x = PRIVATE_POOL[rng.integers(len(PRIVATE_POOL))]
        notes.append((t, x, True))
    order = rng.permutation(len(notes))
    return [notes[i] for i in order]


def notes_request(rng, store):
    """(user text, arguments)."""
    pick = lambda xs: xs[rng.integers(len(xs))]  # noqa: E731
    kind = pick(["get", "get", "list", "search", "add", "add"])
    if kind == "get":
        title = pick(store)[0] if rng.random() < 0.85 else pick(NOTE_POOL)[0]
        t = title if rng.random() < 0.7 else title.lower()
        user = pick([f"What is in my note {t}?", f"Show me my {t} note.",
                     f"Read my note called {t}.", f"What does my {t} note say?",
                     f"Open the note {t}."])
        return user, {"op": "get", "title": t}
    if kind == "list":
        return pick(["List my notes.", "What notes do I have?", "Show all my notes.",
                     "Which notes have I saved?", "list notes"]), {"op": "list"}
    if kind == "search":
        words = [w.strip(",") for _, x, p in store if not p for w in x.split() if len(w) > 3]
        q = pick(words) if words and rng.random() < 0.8 else pick(["pizza", "train", "keys"])
        user = pick([f"Search my notes for {q}.", f"Which notes mention {q}?",
                     f"Find {q} in my notes.", f"Do I have a note about {q}?"])
        return user, {"op": "search", "query": q}
    title, text = pick(NEW_NOTES)
    user = pick([f"Add a note called {title}: {text}", f"Save a note {title} saying {text}.",
                 f"Make a note titled {title} with the text {text}",
                 f"Note this down as {title}: {text}"])
    return user, {"op": "add", "title": title, "text": text.rstrip(".")}


def notes_answer(args, result):
    if "error" in result:
        return f"Sorry, {result['error']}."
    op = args["op"]
    if op == "get":
        if result.get("private"):
            return f"Your note {result['title']} is private, so I cannot show its text."
        return f"Your note {result['title']} says: {result['text']}."
    if op == "list":
        titles = [n["title"] + (" (private)" if n["private"] else "") for n in result["notes"]]
        if not titles:
            return "You have no notes."
        return f"You have {len(titles)} notes: {_and(titles)}."
    if op == "search":
        if not result["matches"]:
            return f"No notes mention {args['query']}."
        return f"Notes that mention {args['query']}: {_and(result['matches'])}."
    return f"I saved the note {result['added']}."


CHAT = [
    (["Hi", "Hello", "Hello!", "Hi there", "Hey", "Good morning", "Good evening"],
     ["Hello! How can I help you today?", "Hi! What can I do for you?"]),
    (["Thanks", "Thank you", "Thanks!", "Thank you so much", "Great, thanks", "Cheers"],
     ["You're welcome!", "Glad I could help."]),
    (["Who are you?", "What are you?"],
     ["I am a small assistant. I can do arithmetic, plan trips and keep your notes."]),
    (["What can you do?", "What tools do you have?", "How can you help me?", "Help"],
     ["I can calculate, plan a trip to Paris, Rome, Tokyo, London or Barcelona, "
      "and read or save your notes."]),
    (["How are you?", "How are you today?"], ["I am fine, thank you. How can I help?"]),
    (["Bye", "Goodbye", "See you later"], ["Goodbye! Have a nice day."]),
    (["Tell me a joke", "Tell me a joke."],
     ["Why did the robot go on holiday? It needed to recharge."]),
    (["What is your name?"], ["I am the caec assistant."]),
]


def chat_turn(rng):
    group = CHAT[rng.integers(len(CHAT))]
    user = group[0][rng.integers(len(group[0]))]
    return user, group[1][rng.integers(len(group[1]))]


# ---- running the tools ----

def run_tool(cli, tool, lines):
    """The tool's answers to argument lines, one process (one notes store) for all."""
    out = subprocess.run([cli, tool], input="".join(json.dumps(x) + "\n" for x in lines),
                         capture_output=True, text=True, check=True).stdout.splitlines()
    if len(out) != len(lines):
        raise RuntimeError(f"{tool}: {len(out)} answers to {len(lines)} requests")
    return out


class Example:
    def __init__(self, kind, user, call, tool_answer, answer):
        self.kind, self.user, self.call = kind, user, call
        self.tool_answer, self.answer = tool_answer, answer

    def turns(self):
        if self.call is None:
            return [("user", self.user), ("assistant", self.answer)]
        return [("user", self.user), ("assistant", self.call), ("tool", self.tool_answer),
                ("assistant", self.answer)]


def generate(cli, rng, n_calc, n_plan, n_notes, n_chat, notes_per_store=12):
    """Examples of each kind; the tools' answers come from the CLI."""
    out = []
    reqs = [calc_request(rng) for _ in range(n_calc)]
    answers = run_tool(cli, "calculator", [{"expression": e} for _, e in reqs])
    for (user, expr), a in zip(reqs, answers):
        call = call_text("calculator", {"expression": expr})
        out.append(Example("calculator", user, call, a, calc_answer(expr, json.loads(a))))
    reqs = [planner_request(rng) for _ in range(n_plan)]
    answers = run_tool(cli, "planner", [a for _, a in reqs])
    for (user, args), a in zip(reqs, answers):
        out.append(Example("planner", user, call_text("planner", args), a,
                           planner_answer(args, json.loads(a))))
    done = 0
    while done < n_notes:
        store = notes_store(rng)
        lines = [{"op": "add", "title": t, "text": x, **({"private": True} if p else {})}
                 for t, x, p in store]
        first = len(lines)
        reqs = []
        for _ in range(min(notes_per_store, n_notes - done)):
            user, args = notes_request(rng, store)
            reqs.append((user, args, len(lines)))
            lines.append(args)
            if args["op"] == "add":  # the store stays as it was for the next request
                lines.append({"op": "delete", "title": args["title"]})
        answers = run_tool(cli, "notes", lines)
        assert all("added" in a for a in answers[:first]), answers[:first]
        for user, args, at in reqs:
            a = answers[at]
            out.append(Example("notes", user, call_text("notes", args), a,
                               notes_answer(args, json.loads(a))))
        done += len(reqs)
    for _ in range(n_chat):
        user, answer = chat_turn(rng)
        out.append(Example("chat", user, None, None, answer))
    return out


# ---- checking a call against the tools' schemas (the subset schema.c implements) ----

SCHEMAS = {
    "calculator": {"properties": {"expression": ("string", {"maxLength": 512})},
                   "required": ["expression"]},
    "planner": {"properties": {"city": ("string", {"maxLength": 40}),
                               "days": ("integer", {"minimum": 1, "maximum": 14}),
                               "budget": ("integer", {"minimum": 0, "maximum": 1000000}),
                               "interests": ("array", {"maxItems": 8}),
                               "style": ("string", {"enum": STYLES})},
                "required": ["city", "days"]},
    "notes": {"properties": {"op": ("string", {"enum": ["add", "get", "list", "search", "check",
                                                        "delete"]}),
                             "title": ("string", {"maxLength": 63}),
                             "text": ("string", {"maxLength": 1023}),
                             "query": ("string", {"maxLength": 63}),
                             "private": ("boolean", {})},
              "required": ["op"]},
}


def check_call(reply):
    """(tool name, arguments) when reply is a parseable, schema-valid call, else None."""
    try:
        obj = json.loads(reply)
    except ValueError:
        return None
    if not isinstance(obj, dict) or set(obj) != {"tool", "arguments"}:
        return None
    tool, args = obj["tool"], obj["arguments"]
    schema = SCHEMAS.get(tool)
    if schema is None or not isinstance(args, dict):
        return None
    if any(r not in args for r in schema["required"]):
        return None
    for k, v in args.items():
        if k not in schema["properties"]:
            return None
        kind, rules = schema["properties"][k]
        ok = {"string": isinstance(v, str), "boolean": isinstance(v, bool),
              "integer": isinstance(v, int) and not isinstance(v, bool),
              "array": isinstance(v, list) and all(isinstance(x, str) for x in v)}[kind]
        if not ok:
            return None
        if "maxLength" in rules and len(v) > rules["maxLength"]:
            return None
        if "maxItems" in rules and len(v) > rules["maxItems"]:
            return None
        if "enum" in rules and v not in rules["enum"]:
            return None
        if "minimum" in rules and not rules["minimum"] <= v <= rules["maximum"]:
            return None
    return tool, args
