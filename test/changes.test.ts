/**
 * Lines changed, commits, pull requests, compactions and lifetime turn numbers, replayed from
 * real opencode 1.18.33 captures through the whole plugin and the real SDK, and checked against
 * what git and opencode said when the capture was made (`*.truth.json`).
 */
import { describe, expect, test } from "bun:test";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { readVcs } from "../src/adapter/vcs.js";
import { createPluginInstance } from "../src/plugin.js";
import { type Captured, loadFixture, loadTruth, processSegments } from "./support/fixtures.js";
import { Collected } from "./support/in-memory.js";
import { replay, TEST_ENV } from "./support/replay.js";

interface Truth {
  readonly sessionId: string;
  readonly processes?: { process: number; numstat: { added: number; removed: number } }[];
  readonly numstat?: { added: number; removed: number };
  readonly commits?: string[];
}

async function run(records: readonly Captured[], options: { historyTimeoutMs?: number } = {}) {
  const collected = new Collected();
  await replay(records, { exporters: collected.overrides(), ...options });
  return collected;
}

const named = (logs: readonly ReadableLogRecord[], name: string) =>
  logs.filter((log) => log.attributes?.["event.name"] === name);

/** Lines in `lines_changed` events. */
function eventLines(logs: readonly ReadableLogRecord[]) {
  let added = 0;
  let removed = 0;
  for (const log of named(logs, "lines_changed")) {
    added += Number(log.attributes?.lines_added);
    removed += Number(log.attributes?.lines_removed);
  }
  return { added, removed };
}

/** The final value of a cumulative counter, summed over its series (one plugin instance). */
function counter(metrics: readonly ResourceMetrics[], name: string, type?: string): number {
  const latest = metrics.at(-1);
  let total = 0;
  for (const scope of latest?.scopeMetrics ?? [])
    for (const metric of scope.metrics)
      if (metric.descriptor.name === name)
        for (const point of metric.dataPoints)
          if (type === undefined || point.attributes.type === type) total += Number(point.value);
  return total;
}

const spansNamed = (spans: readonly ReadableSpan[], name: string) =>
  spans.filter((span) => span.name === name);

describe("lines changed", () => {
  test("each process exports the lines git's numstat counted, from opencode's message summaries", async () => {
    const truth = loadTruth("f_lines_run") as Truth;
    const segments = processSegments(loadFixture("f_lines_run"));
    expect(segments).toHaveLength(truth.processes?.length ?? -1);
    for (const [index, segment] of segments.entries()) {
      const want = truth.processes?.[index]?.numstat;
      const { logs, metrics, spans } = await run(segment);
      expect(eventLines(logs)).toEqual(want ?? { added: -1, removed: -1 });
      expect({
        added: counter(metrics, "opencode.lines_of_code.count", "added"),
        removed: counter(metrics, "opencode.lines_of_code.count", "removed"),
      }).toEqual(want ?? { added: -1, removed: -1 });
      const [turn] = spansNamed(spans, "opencode.turn");
      expect(turn?.attributes["turn.lines_added"]).toBe(want?.added ?? -1);
      for (const log of named(logs, "lines_changed"))
        expect(log.attributes).toMatchObject({
          source: "summary",
          model: "mock-model",
          provider: "mock",
          "agent.name": "build",
        });
    }
  });

  test("a subagent's lines count once, in the parent turn whose snapshots cover them", async () => {
    const truth = loadTruth("i_subagent_lines_serve") as Truth;
    const { logs } = await run(loadFixture("i_subagent_lines_serve"));
    const lines = named(logs, "lines_changed");
    expect(new Set(lines.map((log) => log.attributes?.["session.id"]))).toEqual(
      new Set([truth.sessionId]),
    );
    expect(eventLines(logs)).toEqual(truth.numstat ?? { added: -1, removed: -1 });
    // The file the parent's write tool made is the write tool's; the subagent's file is no
    // tool's of the parent turn.
    expect(
      lines.map((log) => [log.attributes?.tool_name, log.attributes?.lines_added]).sort(),
    ).toEqual([
      [undefined, 2],
      ["write", 1],
    ]);
  });

  test("outside git, the edit tools' own counts: a new file's lines and an edit's diff", async () => {
    const { logs } = await run(loadFixture("j_lines_nogit_run"));
    expect(eventLines(logs)).toEqual({ added: 3 + 2, removed: 1 });
    expect(named(logs, "lines_changed").map((log) => log.attributes?.source)).toEqual([
      "tool",
      "tool",
    ]);
  });

  test("a summary re-sent after its turn adds only what it adds; an earlier process's adds nothing", async () => {
    const records = loadFixture("f_lines_run");
    const [first = [], second = []] = processSegments(records);
    const summaries = (segment: readonly Captured[]) =>
      segment.filter((record) => summaryOf(record) !== undefined);
    const last = summaries(first).at(-1);
    if (!last) throw new Error("no summary in the capture");
    // Re-sent unchanged at the end, then once more with one more line in a.txt.
    const grown = withSummary(last, (diffs) =>
      diffs.map((diff) =>
        diff.file === "a.txt" ? { ...diff, additions: diff.additions + 1 } : diff,
      ),
    );
    const base = eventLines((await run(first)).logs);
    expect(
      eventLines((await run([...first.slice(0, -1), last, last, ...first.slice(-1)])).logs),
    ).toEqual(base);
    expect(
      eventLines((await run([...first.slice(0, -1), grown, ...first.slice(-1)])).logs),
    ).toEqual({
      added: base.added + 1,
      removed: base.removed,
    });
    // The summary of the last edit never came (the turn ended at once): the tools' counts
    // stand in, which here are git's too.
    const stale = [...first.filter((record) => record !== last)];
    expect(eventLines((await run(stale)).logs)).toEqual(base);
    // The second process sees the first process's summary again: not its work.
    const head = second.slice(0, 3);
    const replayed = eventLines((await run([...head, last, ...second.slice(3)])).logs);
    expect(replayed).toEqual(eventLines((await run(second)).logs));
  });
});

describe("commits and pull requests", () => {
  test("one real commit among a failing commit and a log search, with git's short hash; one pull request", async () => {
    const truth = loadTruth("g_git_run") as Truth;
    const { logs, metrics, spans } = await run(loadFixture("g_git_run"));
    const [sha] = (truth.commits?.[0] ?? "").split(" ");
    expect(named(logs, "commit").map((log) => log.attributes?.sha)).toEqual([sha]);
    expect(counter(metrics, "opencode.commit.count")).toBe(1);
    expect(
      named(logs, "pull_request").map((log) => [log.attributes?.url, log.attributes?.number]),
    ).toEqual([["https://github.com/acme/app/pull/42", 42]]);
    expect(counter(metrics, "opencode.pull_request.count")).toBe(1);
    // Linked to the bash calls that made them.
    const bash = new Set(
      spansNamed(spans, "opencode.tool.bash").map((span) => span.spanContext().spanId),
    );
    for (const log of [...named(logs, "commit"), ...named(logs, "pull_request")])
      expect(bash.has(log.spanContext?.spanId ?? "")).toBe(true);
  });
});

describe("compactions", () => {
  test("a summarize call is one compaction span with its summary call under it, not a turn", async () => {
    const { logs, metrics, spans } = await run(loadFixture("h_compaction_serve"));
    const [compaction] = spansNamed(spans, "opencode.compaction");
    expect(spansNamed(spans, "opencode.compaction")).toHaveLength(1);
    const [session] = spansNamed(spans, "opencode.session");
    expect(compaction?.parentSpanContext?.spanId).toBe(session?.spanContext().spanId);
    const compacted = spansNamed(spans, "opencode.llm").filter(
      (span) => span.attributes["gen_ai.conversation.compacted"] === true,
    );
    expect(compacted.map((span) => span.parentSpanContext?.spanId)).toEqual([
      compaction?.spanContext().spanId,
    ]);
    const turns = spansNamed(spans, "opencode.turn");
    expect(turns.map((turn) => turn.attributes["turn.index"])).toEqual([1, 2, 3, 4, 5]);
    expect(session?.attributes["session.total_turns"]).toBe(5);
    expect(named(logs, "user_prompt")).toHaveLength(5);
    expect(named(logs, "compaction").map((log) => log.attributes)).toEqual([
      expect.objectContaining({ trigger: "manual", tokens_before: 150, tokens_after: 30 }),
    ]);
    expect(counter(metrics, "opencode.compaction.count")).toBe(1);
  });
});

describe("automatic compactions", () => {
  test("a context past the limit compacts inside the turn: the turn goes on, its lines count", async () => {
    const truth = loadTruth("k_autocompaction_serve") as Truth;
    const { logs, spans } = await run(loadFixture("k_autocompaction_serve"));
    const [compaction] = spansNamed(spans, "opencode.compaction");
    expect(compaction?.attributes).toMatchObject({
      "compaction.auto": true,
      // The overflowing call it replaced: 200,000 prompt tokens and 30 out.
      "compaction.tokens_before": 200_030,
      "compaction.tokens_after": 30,
    });
    const turns = spansNamed(spans, "opencode.turn");
    expect(turns.map((turn) => turn.attributes["turn.index"])).toEqual([1, 2, 3]);
    // The turn that overflowed: its first call, then the one after the host's "continue".
    expect(turns[1]?.attributes).toMatchObject({ "turn.llm_calls": 2, "turn.tool_calls": 1 });
    expect(named(logs, "user_prompt")).toHaveLength(3);
    expect(eventLines(logs)).toEqual(truth.numstat ?? { added: -1, removed: -1 });
  });
});

describe("lifetime turns across processes", () => {
  test("a resumed process reads the session's history and numbers its turns on", async () => {
    const { spans } = await run(loadFixture("f_lines_run"));
    const sessions = spansNamed(spans, "opencode.session");
    expect(
      sessions.map((s) => [
        s.attributes["session.total_turns"],
        s.attributes["session.total_messages"],
      ]),
    ).toEqual([
      [1, 4],
      [2, 8],
    ]);
    expect(spansNamed(spans, "opencode.turn").map((turn) => turn.attributes["turn.index"])).toEqual(
      [1, 2],
    );
  });

  test("after /instance/dispose, the next instance reads the history through opencode's client", async () => {
    const { spans } = await run(loadFixture("l_dispose_serve"));
    const turns = spansNamed(spans, "opencode.turn");
    expect(turns.map((turn) => turn.attributes["turn.index"])).toEqual([1, 2]);
    expect(
      spansNamed(spans, "opencode.session").map((s) => s.attributes["session.total_turns"]),
    ).toEqual([1, 2]);
  });

  test("without an answer from opencode, a resumed process counts what it sees and never waits", async () => {
    const records = loadFixture("f_lines_run").filter(
      (record) => record.hook !== "client.messages",
    );
    const started = Date.now();
    const { spans, logs } = await run(records, { historyTimeoutMs: 50 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(spansNamed(spans, "opencode.turn").map((turn) => turn.attributes["turn.index"])).toEqual(
      [1, 1],
    );
    const truth = loadTruth("f_lines_run") as Truth;
    const [first, second] = truth.processes ?? [];
    // Lines need no history: each process counts its own prompts' summaries.
    expect(eventLines(logs)).toEqual({
      added: (first?.numstat.added ?? 0) + (second?.numstat.added ?? 0),
      removed: (first?.numstat.removed ?? 0) + (second?.numstat.removed ?? 0),
    });
  });
});

type Diff = { file: string; additions: number; deletions: number };
type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The summary of a user message.updated record (its `info.summary`), if it is one. */
function userSummary(record: Captured): Obj | undefined {
  if (record.hook !== "event" || !isObj(record.input)) return undefined;
  const event = record.input.event;
  if (!isObj(event) || event.type !== "message.updated" || !isObj(event.properties)) return;
  const info = event.properties.info;
  if (!isObj(info) || info.role !== "user" || !isObj(info.summary)) return undefined;
  return Array.isArray(info.summary.diffs) ? info.summary : undefined;
}

function summaryOf(record: Captured): unknown[] | undefined {
  const diffs = userSummary(record)?.diffs;
  return Array.isArray(diffs) ? diffs : undefined;
}

function withSummary(record: Captured, change: (diffs: Diff[]) => Diff[]): Captured {
  const copy = structuredClone(record);
  const summary = userSummary(copy);
  if (!summary || !Array.isArray(summary.diffs)) throw new Error("not a user summary");
  const diffs: Diff[] = summary.diffs.filter(isObj).map((diff) => ({
    file: String(diff.file),
    additions: Number(diff.additions),
    deletions: Number(diff.deletions),
  }));
  summary.diffs = change(diffs);
  return copy;
}

describe("reading what a command did", () => {
  const commit = (line: string) =>
    readVcs("git commit -m x", `${line}\n 1 file changed, 1 insertion(+)\n`);
  test.each([
    ["[main 1a2b3c4] add b", "1a2b3c4"],
    ["[main (root-commit) 1a2b3c4] first", "1a2b3c4"],
    ["[detached HEAD 9f8e7d6] wip", "9f8e7d6"],
    [
      "[feature/x-y 0123456789abcdef0123456789abcdef01234567] full hash",
      "0123456789abcdef0123456789abcdef01234567",
    ],
  ])("git's commit line %p gives %p", (line, sha) => {
    expect(commit(line).commits).toEqual([sha]);
  });

  test("several commits in one command each count, a repeated line once", () => {
    const output = "[main aaaaaaa] one\n 1 file changed\n[main bbbbbbb] two\n[main aaaaaaa] one\n";
    expect(readVcs("git commit -am one && git commit -am two", output).commits).toEqual([
      "aaaaaaa",
      "bbbbbbb",
    ]);
  });

  test.each([
    ["git log --oneline --grep=commit", "9063ea5 add b\n8e14a63 initial commit\n"],
    ["git log", "commit 9063ea5d1c2b3a4f\nAuthor: E2E <e2e@example.com>\n\n    add b\n"],
    ["git reflog", "9063ea5 HEAD@{0}: commit: add b\n"],
    ["git log --decorate --oneline", "9063ea5 (HEAD -> main) add b\n"],
    ["git commit -m x", "On branch main\nnothing to commit, working tree clean\n"],
    ["echo '[main] note'", "[main] note\n"],
  ])("%p shows no commit", (command, output) => {
    expect(readVcs(command, output).commits).toEqual([]);
  });

  test.each([
    ["gh pr create --fill", "https://github.com/acme/app/pull/42\n", 42],
    ["gh pr new -t x -b y", "Creating pull request\nhttps://ghe.example.com/org/repo/pull/7\n", 7],
    ["glab mr create --fill", "!5 Title\n https://gitlab.com/g/p/-/merge_requests/5\n", 5],
  ])("%p opens a pull request", (command, output, number) => {
    const [pr] = readVcs(command, output).pullRequests;
    expect(pr?.number).toBe(number);
    expect(output).toContain(pr?.url ?? "none");
  });

  test.each([
    ["gh pr view 42", "https://github.com/acme/app/pull/42\n"],
    ["gh pr list", "https://github.com/acme/app/pull/41\nhttps://github.com/acme/app/pull/42\n"],
    ["gh pr create --fill", "pull request create failed: no commits\n"],
  ])("%p opens none", (command, output) => {
    expect(readVcs(command, output).pullRequests).toEqual([]);
  });
});

describe("hosts that report a cumulative session.diff", () => {
  const SESSION = "ses_diff";
  type Call = { readonly event: unknown } | { readonly chat: readonly [unknown, unknown] };
  const event = (type: string, properties: object): Call => ({ event: { type, properties } });
  const info = { id: SESSION, time: { created: 1 } };
  /** One turn: a prompt, one LLM call, the cumulative diff after it, idle. */
  function turn(prompt: string, diff: { additions: number; deletions: number }): Call[] {
    const message = { id: prompt, sessionID: SESSION, role: "user", agent: "build" };
    const llm = {
      id: `${prompt}a`,
      sessionID: SESSION,
      role: "assistant",
      modelID: "m",
      providerID: "p",
      time: { created: 2, completed: 3 },
      tokens: { input: 1, output: 1, reasoning: 0, cache: { read: 0, write: 0 } },
      cost: 0,
      finish: "stop",
    };
    return [
      { chat: [{ sessionID: SESSION }, { message, parts: [] }] },
      event("message.updated", { info: llm }),
      event("session.diff", { sessionID: SESSION, diff: [{ file: "a.txt", ...diff }] }),
      event("session.idle", { sessionID: SESSION }),
    ];
  }

  async function play(calls: readonly Call[], client?: unknown) {
    const collected = new Collected();
    const instance = await createPluginInstance({
      env: TEST_ENV,
      exporters: collected.overrides(),
      logSink: () => undefined,
      client,
    });
    for (const call of calls) {
      if ("chat" in call) await instance.hooks["chat.message"]?.(call.chat[0], call.chat[1]);
      else await instance.hooks.event?.(call);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await instance.hooks.dispose?.();
    return eventLines(collected.logs);
  }

  test("growth of the cumulative diff counts; a shrink takes nothing back", async () => {
    const calls = [
      event("session.created", { info }),
      ...turn("msg_1", { additions: 3, deletions: 1 }),
      ...turn("msg_2", { additions: 5, deletions: 1 }),
      ...turn("msg_3", { additions: 4, deletions: 1 }),
    ];
    expect(await play(calls)).toEqual({ added: 5, removed: 1 });
  });

  test("a resumed process starts from the diff opencode had before it, read with the history", async () => {
    const client = {
      session: {
        messages: async () => ({ data: [] }),
        diff: async () => ({ data: [{ file: "a.txt", additions: 5, deletions: 1 }] }),
      },
    };
    const calls = [
      event("session.updated", { info }),
      ...turn("msg_4", { additions: 7, deletions: 2 }),
    ];
    expect(await play(calls, client)).toEqual({ added: 2, removed: 1 });
  });
});
