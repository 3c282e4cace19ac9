import type { Fact, HistoryMessage } from "../facts.js";
import { readDiffs } from "./edits.js";
import { id, isObj, num, type Obj, obj } from "./read.js";
import { readTokens } from "./tokens.js";

/**
 * A resumed session's history, read through opencode's SDK client (`input.client`) once per
 * process: `session.messages` (every message's info and parts) and `session.diff` (the
 * session's cumulative diff, which 1.18.33 leaves empty). Read off the hook path, bounded by
 * `timeoutMs`; any failure or an answer in an unknown shape gives `undefined`, and the plugin
 * then counts what this process sees, as it would without the history.
 */
export async function readHistory(
  client: unknown,
  sessionId: string,
  options: { readonly timeoutMs: number; readonly now: () => number },
): Promise<Extract<Fact, { kind: "history" }> | undefined> {
  const session = obj(obj(client)?.session);
  if (!session) return undefined;
  const request = { path: { id: sessionId } };
  const [messages, diff] = await withTimeout(
    Promise.all([call(session, "messages", request), call(session, "diff", request)]),
    options.timeoutMs,
  );
  const list = dataOf(messages);
  if (!Array.isArray(list)) return undefined;
  const history: HistoryMessage[] = [];
  for (const message of list) {
    const read = isObj(message) ? readMessage(message) : undefined;
    if (read) history.push(read);
  }
  history.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const files = readDiffs(dataOf(diff));
  let sessionDiff: { additions: number; deletions: number } | undefined;
  if (files) {
    sessionDiff = { additions: 0, deletions: 0 };
    for (const file of files) {
      sessionDiff.additions += file.additions;
      sessionDiff.deletions += file.deletions;
    }
  }
  return {
    kind: "history",
    sessionId,
    time: options.now(),
    messages: history,
    diff: sessionDiff,
  };
}

function readMessage(message: Obj): HistoryMessage | undefined {
  const info = obj(message.info);
  const messageId = id(info?.id);
  if (!info || !messageId) return undefined;
  if (info.role === "assistant") {
    const tokens = readTokens(info.tokens);
    return {
      id: messageId,
      kind: "assistant",
      completed: num(obj(info.time)?.completed) !== undefined,
      tokens:
        tokens.input + tokens.output + tokens.reasoning + tokens.cacheRead + tokens.cacheWrite,
      lines: undefined,
    };
  }
  if (info.role !== "user") return undefined;
  const parts = Array.isArray(message.parts) ? message.parts.filter(isObj) : [];
  const files = readDiffs(obj(info.summary)?.diffs) ?? [];
  let additions = 0;
  let deletions = 0;
  for (const file of files) {
    additions += file.additions;
    deletions += file.deletions;
  }
  const texts = parts.filter((part) => part.type === "text");
  return {
    id: messageId,
    kind: parts.some((part) => part.type === "compaction")
      ? "compaction"
      : texts.length > 0 && texts.every((part) => part.synthetic === true)
        ? "synthetic"
        : "prompt",
    completed: true,
    tokens: 0,
    lines: { additions, deletions },
  };
}

/** Calls `session[name](request)` if the client has it; the SDK answers `{ data, error }`. */
async function call(session: Obj, name: string, request: object): Promise<unknown> {
  const method = session[name];
  if (typeof method !== "function") return undefined;
  try {
    return await Reflect.apply(method, session, [request]);
  } catch {
    return undefined;
  }
}

function dataOf(result: unknown): unknown {
  if (Array.isArray(result)) return result;
  return obj(result)?.data;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | []> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve([]), ms);
    // Never keeps the host alive: opencode run exits right after dispose.
    if (typeof timer === "object" && "unref" in timer) timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve([]);
      },
    );
  });
}
