/**
 * Synthetic opencode event streams for the benchmark, shaped like the opencode 1.18.33 captures
 * in `test/fixtures/opencode-1.18.33/` (v2 events, streamed text as `message.part.delta`),
 * (`capture.ts` replays a captured `.jsonl` file instead).
 *
 * A stream is a sequence of hook calls (`event` or `chat.message`), generated lazily so a
 * 2,000-turn session never sits in memory while the heap is measured. Generation is
 * deterministic: the same parameters give the same ids, sizes and tokens.
 */
/** One hook call as opencode makes it. */
export type Call =
  | { readonly hook: "event"; readonly event: HostEvent }
  | { readonly hook: "chat.message"; readonly input: object; readonly output: object };

/** A v2 event: `{ id, type, properties }`. */
export interface HostEvent {
  readonly id: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
}

export interface StreamParams {
  /** Primary sessions, one after the other. */
  readonly sessions: number;
  readonly turnsPerSession: number;
  /** `message.part.delta` events in each turn's final reply. */
  readonly chunksPerReply: number;
  /** Characters per streamed chunk. */
  readonly chunkChars: number;
  /** Tool calls per turn, one LLM step each (a tool call and its answer are two messages). */
  readonly toolsPerTurn: number;
  /** Size of each tool's output (characters). */
  readonly toolOutputChars: number;
  /** `running` updates per tool after the first (streamed output, as bash does). */
  readonly toolProgressUpdates: number;
  /** Subagent sessions per primary session, each spawned by a `task` tool in its own turn. */
  readonly subagentsPerSession: number;
  readonly subagentTurns: number;
  /** Every Nth turn fails (a retried 500 ending in `session.error`); 0: never. */
  readonly errorEvery: number;
  /** Distinguishes the ids of streams generated for different runs of one process. */
  readonly seed: number;
}

export const DEFAULT_PARAMS: StreamParams = {
  sessions: 20,
  turnsPerSession: 10,
  chunksPerReply: 40,
  chunkChars: 12,
  toolsPerTurn: 3,
  toolOutputChars: 2048,
  toolProgressUpdates: 2,
  subagentsPerSession: 0,
  subagentTurns: 1,
  errorEvery: 0,
  seed: 1,
};

/** Small turns for the heap and metric-size runs: what matters there is what is left after. */
export const SMALL: StreamParams = {
  ...DEFAULT_PARAMS,
  turnsPerSession: 1,
  chunksPerReply: 10,
  toolsPerTurn: 1,
};

const TOOLS = ["bash", "read", "edit", "grep"] as const;
const DIRECTORY = "/home/dev/project";
const MODEL = { providerID: "anthropic", modelID: "claude-sonnet-4-5" };
const PERMISSION = [{ permission: "question", pattern: "*", action: "deny" }];

/** Ids shaped like opencode's (`ses_…`, `msg_…`): a time-ordered prefix, then random letters. */
class Ids {
  private counter = 0;
  private state: number;
  constructor(seed: number) {
    this.state = seed * 2654435761;
  }
  /** mulberry32: small, fast, deterministic. */
  random(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  next(prefix: string): string {
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let tail = "";
    for (let i = 0; i < 14; i++) tail += chars[Math.floor(this.random() * chars.length)];
    this.counter += 1;
    // Message ids sort by creation time in opencode; the plugin relies on that, so do we.
    return `${prefix}_${this.counter.toString(16).padStart(12, "0")}${tail}`;
  }
}

/** Generator state: parameters, id source and the simulated clock. */
export interface Ctx {
  readonly p: StreamParams;
  readonly ids: Ids;
  clock: number;
}

const tick = (ctx: Ctx, ms = 7): number => {
  ctx.clock += ms;
  return ctx.clock;
};

const ev = (ctx: Ctx, type: string, properties: Record<string, unknown>): Call => ({
  hook: "event",
  event: { id: ctx.ids.next("evt"), type, properties },
});

interface SessionState {
  readonly id: string;
  readonly parentId: string | undefined;
  readonly agent: string;
  readonly created: number;
  cost: number;
  input: number;
  output: number;
  cacheRead: number;
  additions: number;
  deletions: number;
}

function sessionInfo(ctx: Ctx, s: SessionState, extra: Record<string, unknown> = {}) {
  return {
    id: s.id,
    slug: "stellar-meadow",
    version: "1.18.33",
    projectID: "global",
    directory: DIRECTORY,
    path: "project",
    title: s.parentId ? "Subtask (@general subagent)" : "Refactor the parser",
    ...(s.parentId ? { parentID: s.parentId } : {}),
    agent: s.agent,
    model: { id: MODEL.modelID, providerID: MODEL.providerID, variant: "default" },
    summary: { additions: s.additions, deletions: s.deletions, files: s.additions > 0 ? 1 : 0 },
    cost: s.cost,
    tokens: {
      input: s.input,
      output: s.output,
      reasoning: 0,
      cache: { read: s.cacheRead, write: 0 },
    },
    permission: PERMISSION,
    time: { created: s.created, updated: tick(ctx, 1) },
    ...extra,
  };
}

function* sessionUpdates(ctx: Ctx, s: SessionState, userMessage: string): Generator<Call> {
  yield ev(ctx, "session.updated", { sessionID: s.id, info: sessionInfo(ctx, s) });
  const diff =
    s.additions > 0
      ? [{ file: "src/parser.ts", additions: s.additions, deletions: s.deletions, status: "M" }]
      : [];
  yield ev(ctx, "session.diff", { sessionID: s.id, diff });
  yield ev(ctx, "message.updated", {
    sessionID: s.id,
    info: {
      id: userMessage,
      role: "user",
      sessionID: s.id,
      time: { created: s.created },
      agent: s.agent,
      model: MODEL,
      summary: { diffs: [] },
    },
  });
}

function assistantInfo(
  s: SessionState,
  id: string,
  parent: string,
  created: number,
  extra: Record<string, unknown>,
) {
  return {
    id,
    parentID: parent,
    role: "assistant",
    mode: s.agent,
    agent: s.agent,
    path: { cwd: DIRECTORY, root: DIRECTORY },
    cost: 0,
    tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
    modelID: MODEL.modelID,
    providerID: MODEL.providerID,
    time: { created },
    sessionID: s.id,
    ...extra,
  };
}

/** Tokens of one LLM step: the context grows with the session, as it does in opencode. */
function stepUsage(ctx: Ctx, s: SessionState, output: number) {
  const cached = 3000 + s.input;
  const input = 200 + Math.floor(ctx.ids.random() * 400);
  const cost = (input * 3 + output * 15 + cached * 0.3) / 1e6;
  s.input += input;
  s.output += output;
  s.cacheRead += cached;
  s.cost += cost;
  return {
    tokens: {
      total: input + output + cached,
      input,
      output,
      reasoning: 0,
      cache: { read: cached, write: 0 },
    },
    cost,
  };
}

interface Step {
  readonly s: SessionState;
  readonly user: string;
  /** The body of the step between step-start and step-finish. */
  readonly body: (message: string) => Generator<Call>;
  readonly outputTokens: number;
  readonly finish: string;
}

function* llmStep(ctx: Ctx, step: Step): Generator<Call> {
  const { s, user } = step;
  const message = ctx.ids.next("msg");
  const created = tick(ctx, 40);
  yield ev(ctx, "message.updated", {
    sessionID: s.id,
    info: assistantInfo(s, message, user, created, {}),
  });
  yield* sessionUpdates(ctx, s, user);
  yield ev(ctx, "session.status", { sessionID: s.id, status: { type: "busy" } });
  const part = (extra: Record<string, unknown>) => ({
    id: ctx.ids.next("prt"),
    messageID: message,
    sessionID: s.id,
    ...extra,
  });
  yield ev(ctx, "message.part.updated", {
    sessionID: s.id,
    part: part({ type: "step-start" }),
    time: tick(ctx),
  });
  yield* step.body(message);
  const usage = stepUsage(ctx, s, step.outputTokens);
  yield ev(ctx, "message.part.updated", {
    sessionID: s.id,
    part: part({ type: "step-finish", reason: step.finish, ...usage }),
    time: tick(ctx),
  });
  const done = { ...usage, finish: step.finish };
  yield ev(ctx, "message.updated", {
    sessionID: s.id,
    info: assistantInfo(s, message, user, created, done),
  });
  yield ev(ctx, "message.updated", {
    sessionID: s.id,
    info: assistantInfo(s, message, user, created, {
      ...done,
      time: { created, completed: tick(ctx) },
    }),
  });
  yield ev(ctx, "session.status", { sessionID: s.id, status: { type: "busy" } });
}

function toolInput(name: string, index: number): Record<string, unknown> {
  switch (name) {
    case "bash":
      return { command: `bun test test/parser.test.ts --bail ${index}`, description: "Run tests" };
    case "read":
      return { filePath: `${DIRECTORY}/src/parser.ts`, offset: index * 100, limit: 200 };
    case "edit":
      return {
        filePath: `${DIRECTORY}/src/parser.ts`,
        oldString: "const token = next();",
        newString: "const token = lexer.next();",
      };
    default:
      return { pattern: "export function", path: `${DIRECTORY}/src` };
  }
}

/** pending → running (+ progress updates) → completed, as the captures show for bash. */
function* toolBody(
  ctx: Ctx,
  s: SessionState,
  message: string,
  name: string,
  index: number,
  during?: (callId: string, input: Record<string, unknown>, start: number) => Generator<Call>,
): Generator<Call> {
  const partId = ctx.ids.next("prt");
  const callID = `toolu_${ctx.ids.next("call").slice(5)}`;
  const input = toolInput(name, index);
  const part = (state: Record<string, unknown>) => ({
    sessionID: s.id,
    part: {
      id: partId,
      messageID: message,
      sessionID: s.id,
      type: "tool",
      tool: name,
      callID,
      state,
    },
    time: tick(ctx),
  });
  yield ev(ctx, "message.part.updated", part({ status: "pending", input: {}, raw: "" }));
  const start = tick(ctx, 20);
  yield ev(ctx, "message.part.updated", part({ status: "running", input, time: { start } }));
  const output = "x".repeat(Math.max(0, ctx.p.toolOutputChars - 1)).concat("\n");
  const p = ctx.p.toolProgressUpdates;
  for (let i = 1; i <= p; i++) {
    const sofar = output.slice(0, Math.floor((output.length * i) / (p + 1)));
    yield ev(
      ctx,
      "message.part.updated",
      part({ status: "running", input, metadata: { output: sofar }, time: { start } }),
    );
  }
  if (during) yield* during(callID, input, start);
  if (name === "edit") s.additions += 3;
  if (name === "edit") s.deletions += 1;
  const metadata = name === "bash" ? { output, exit: 0, truncated: false } : { truncated: false };
  yield ev(
    ctx,
    "message.part.updated",
    part({
      status: "completed",
      input,
      output,
      metadata,
      title: name,
      time: { start, end: tick(ctx, 300) },
    }),
  );
}

function* textBody(ctx: Ctx, s: SessionState, message: string): Generator<Call> {
  const partId = ctx.ids.next("prt");
  const start = tick(ctx);
  const text = (value: string, time: Record<string, number>) => ({
    sessionID: s.id,
    part: { id: partId, messageID: message, sessionID: s.id, type: "text", text: value, time },
    time: tick(ctx, 1),
  });
  yield ev(ctx, "message.part.updated", text("", { start }));
  const chunk = "lorem ipsum dolor sit amet, ".repeat(8).slice(0, ctx.p.chunkChars);
  for (let i = 0; i < ctx.p.chunksPerReply; i++)
    yield ev(ctx, "message.part.delta", {
      sessionID: s.id,
      messageID: message,
      partID: partId,
      field: "text",
      delta: chunk,
    });
  const full = chunk.repeat(ctx.p.chunksPerReply);
  yield ev(ctx, "message.part.updated", text(full, { start, end: tick(ctx) }));
}

function* prompt(ctx: Ctx, s: SessionState, text: string): Generator<Call, string> {
  const user = ctx.ids.next("msg");
  const created = tick(ctx, 2000);
  const message = {
    id: user,
    role: "user",
    sessionID: s.id,
    time: { created },
    agent: s.agent,
    model: MODEL,
  };
  const part = { type: "text", text, messageID: user, sessionID: s.id, id: ctx.ids.next("prt") };
  yield { hook: "chat.message", input: { sessionID: s.id }, output: { message, parts: [part] } };
  yield ev(ctx, "message.updated", { sessionID: s.id, info: message });
  yield ev(ctx, "message.part.updated", { sessionID: s.id, part, time: tick(ctx) });
  yield ev(ctx, "session.updated", { sessionID: s.id, info: sessionInfo(ctx, s) });
  yield ev(ctx, "session.status", { sessionID: s.id, status: { type: "busy" } });
  return user;
}

function* idle(ctx: Ctx, s: SessionState, user: string): Generator<Call> {
  yield ev(ctx, "session.status", { sessionID: s.id, status: { type: "idle" } });
  yield ev(ctx, "session.idle", { sessionID: s.id });
  yield* sessionUpdates(ctx, s, user);
}

/** A turn whose LLM call fails after two retries (opencode's 500 path in c2_errors_serve). */
function* failedTurn(ctx: Ctx, s: SessionState): Generator<Call> {
  const user = yield* prompt(ctx, s, "Please continue with the refactor.");
  const message = ctx.ids.next("msg");
  const created = tick(ctx, 40);
  yield ev(ctx, "message.updated", {
    sessionID: s.id,
    info: assistantInfo(s, message, user, created, {}),
  });
  for (let attempt = 1; attempt <= 2; attempt++) {
    yield ev(ctx, "session.status", {
      sessionID: s.id,
      status: { type: "retry", attempt, message: "Internal server error", next: tick(ctx, 100) },
    });
    yield ev(ctx, "session.status", { sessionID: s.id, status: { type: "busy" } });
  }
  const error = {
    name: "APIError",
    data: { message: "Internal server error", statusCode: 500, isRetryable: true },
  };
  yield ev(ctx, "session.error", { sessionID: s.id, error });
  yield ev(ctx, "session.status", { sessionID: s.id, status: { type: "idle" } });
  yield ev(ctx, "message.updated", {
    sessionID: s.id,
    info: assistantInfo(s, message, user, created, {
      error,
      time: { created, completed: tick(ctx) },
    }),
  });
  yield ev(ctx, "session.idle", { sessionID: s.id });
}

function* turn(ctx: Ctx, s: SessionState, index: number, subagent: boolean): Generator<Call> {
  if (!subagent && ctx.p.errorEvery > 0 && index % ctx.p.errorEvery === 0) {
    yield* failedTurn(ctx, s);
    return;
  }
  const user = yield* prompt(ctx, s, `Step ${index}: refactor the parser and run the tests.`);
  const tools = s.parentId ? Math.min(1, ctx.p.toolsPerTurn) : ctx.p.toolsPerTurn;
  for (let t = 0; t < tools; t++) {
    const name = TOOLS[(index + t) % TOOLS.length] ?? "bash";
    const spawn = subagent && t === 0;
    yield* llmStep(ctx, {
      s,
      user,
      outputTokens: 60,
      finish: "tool-calls",
      body: (message) =>
        spawn
          ? toolBody(ctx, s, message, "task", t, (callId, input, start) =>
              subagentSession(ctx, s, message, callId, input, start),
            )
          : toolBody(ctx, s, message, name, t),
    });
  }
  yield* llmStep(ctx, {
    s,
    user,
    outputTokens: Math.ceil((ctx.p.chunksPerReply * ctx.p.chunkChars) / 4),
    finish: "stop",
    body: (message) => textBody(ctx, s, message),
  });
  yield* idle(ctx, s, user);
}

function newSession(ctx: Ctx, parentId: string | undefined): SessionState {
  return {
    id: ctx.ids.next("ses"),
    parentId,
    agent: parentId ? "general" : "build",
    created: tick(ctx),
    cost: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    additions: 0,
    deletions: 0,
  };
}

/** A `task` tool's child: created, announced in the task's metadata, its own turns, idle. */
function* subagentSession(
  ctx: Ctx,
  parent: SessionState,
  message: string,
  callID: string,
  input: Record<string, unknown>,
  start: number,
): Generator<Call> {
  const child = newSession(ctx, parent.id);
  yield ev(ctx, "session.created", { sessionID: child.id, info: sessionInfo(ctx, child) });
  const task = { ...input, subagent_type: "general", prompt: "Find every caller of parse()" };
  yield ev(ctx, "message.part.updated", {
    sessionID: parent.id,
    part: {
      id: ctx.ids.next("prt"),
      messageID: message,
      sessionID: parent.id,
      type: "tool",
      tool: "task",
      callID,
      state: {
        status: "running",
        input: task,
        metadata: { parentSessionId: parent.id, sessionId: child.id, model: MODEL },
        time: { start },
      },
    },
    time: tick(ctx),
  });
  for (let t = 1; t <= ctx.p.subagentTurns; t++) yield* turn(ctx, child, t, false);
}

/** The hook calls of a whole run: every session in turn, each created, then its turns. */
export function* generateCalls(params: StreamParams): Generator<Call> {
  const ctx = createContext(params);
  for (let i = 0; i < params.sessions; i++) yield* generateSession(ctx, params.turnsPerSession);
}

/** One primary session (exposed so the heap benchmark can add sessions one by one). */
export function* generateSession(ctx: Ctx, turns: number): Generator<Call> {
  const s = newSession(ctx, undefined);
  yield ev(ctx, "session.created", { sessionID: s.id, info: sessionInfo(ctx, s) });
  yield ev(ctx, "session.updated", { sessionID: s.id, info: sessionInfo(ctx, s) });
  const every =
    ctx.p.subagentsPerSession > 0 ? Math.max(1, Math.floor(turns / ctx.p.subagentsPerSession)) : 0;
  let spawned = 0;
  for (let t = 1; t <= turns; t++) {
    const spawn = every > 0 && spawned < ctx.p.subagentsPerSession && t % every === 0;
    if (spawn) spawned += 1;
    yield* turn(ctx, s, t, spawn);
  }
}

/** A generator context, for callers that drive `generateSession` themselves. */
export function createContext(params: StreamParams): Ctx {
  return { p: params, ids: new Ids(params.seed), clock: 1_795_492_510_000 };
}

/** True for the call that ends a turn (where opencode's host would now wait for the user). */
export const endsTurn = (call: Call): boolean =>
  call.hook === "event" && call.event.type === "session.idle";
