import type { Fact, ToolStatus } from "../facts.js";
import { readDiffs, readEdits } from "./edits.js";
import { readError } from "./errors.js";
import { count, id, isObj, num, type Obj, obj, str } from "./read.js";
import { readAggregate, readTokens } from "./tokens.js";
import { readVcs } from "./vcs.js";

export type FactSink = (fact: Fact) => void;

/**
 * Turns one `event` hook payload into facts. Host events arrive v2-shaped (`{ id, type,
 * properties }`); anything else is ignored. Stateless: every decision that needs memory
 * (dedupe, nesting, totals) belongs to the session model.
 */
export function adaptEvent(event: unknown, now: number, emit: FactSink): void {
  if (!isObj(event)) return;
  const type = str(event.type);
  const props = obj(event.properties);
  if (!type || !props) return;
  switch (type) {
    case "session.created":
    case "session.updated":
      sessionInfo(props, type === "session.created", now, emit);
      return;
    case "session.deleted": {
      const sessionId = id(props.sessionID) ?? id(obj(props.info)?.id);
      if (sessionId) emit({ kind: "session.delete", sessionId, time: now });
      return;
    }
    case "session.error": {
      // `sessionID` is optional on session.error: errors outside a session have no trace to join.
      const sessionId = id(props.sessionID);
      const error = readError(props.error);
      if (sessionId && error) emit({ kind: "session.error", sessionId, time: now, error });
      return;
    }
    case "session.status":
      sessionStatus(props, now, emit);
      return;
    case "session.idle": {
      // Deprecated alias of session.status {type:"idle"}; opencode 1.18 sends both, the model
      // treats the second as a no-op. Older hosts send only this one.
      const sessionId = id(props.sessionID);
      if (sessionId) emit({ kind: "session.idle", sessionId, time: now });
      return;
    }
    case "session.diff":
      sessionDiff(props, now, emit);
      return;
    case "session.compacted": {
      // Sent once a compaction's summary is written (manual or automatic).
      const sessionId = id(props.sessionID);
      if (sessionId) emit({ kind: "session.compacted", sessionId, time: now });
      return;
    }
    case "message.updated":
      messageUpdated(props, now, emit);
      return;
    case "message.part.updated":
      partUpdated(props, now, emit);
      return;
    case "message.part.delta":
      partDelta(props, now, emit);
      return;
    case "permission.asked":
      permissionAsked(props, now, emit);
      return;
    case "permission.replied":
      permissionReplied(props, now, emit);
      return;
    default:
      return;
  }
}

function sessionInfo(props: Obj, created: boolean, now: number, emit: FactSink): void {
  const info = obj(props.info);
  const sessionId = id(info?.id) ?? id(props.sessionID);
  if (!info || !sessionId) return;
  emit({
    kind: "session.info",
    sessionId,
    time: now,
    created,
    createdAt: num(obj(info.time)?.created),
    parentId: id(info.parentID),
    agent: id(info.agent),
    aggregate: readAggregate(info),
    title: id(info.title),
  });
}

function sessionStatus(props: Obj, now: number, emit: FactSink): void {
  const sessionId = id(props.sessionID);
  const status = obj(props.status);
  if (!sessionId || !status) return;
  const type = str(status.type);
  if (type === "idle") emit({ kind: "session.idle", sessionId, time: now });
  else if (type === "retry")
    emit({
      kind: "session.retry",
      sessionId,
      time: now,
      attempt: count(status.attempt),
      message: str(status.message) ?? "",
    });
}

function sessionDiff(props: Obj, now: number, emit: FactSink): void {
  const sessionId = id(props.sessionID);
  const diff = props.diff;
  if (!sessionId || !Array.isArray(diff)) return;
  // session.diff is cumulative over the whole session (every file changed so far), not a delta.
  let additions = 0;
  let deletions = 0;
  for (const file of diff) {
    const entry = obj(file);
    additions += count(entry?.additions);
    deletions += count(entry?.deletions);
  }
  emit({ kind: "session.diff", sessionId, time: now, additions, deletions });
}

function messageUpdated(props: Obj, now: number, emit: FactSink): void {
  const info = obj(props.info);
  const sessionId = id(info?.sessionID) ?? id(props.sessionID);
  const messageId = id(info?.id);
  if (!info || !sessionId || !messageId) return;
  const time = obj(info.time);
  if (info.role === "user") {
    // The prompt itself comes through chat.message; a user message.updated is only a fallback
    // for hosts that do not call that hook (the model ignores ones it has seen).
    const model = obj(info.model);
    emit({
      kind: "prompt",
      sessionId,
      time: now,
      messageId,
      source: "message",
      agent: id(info.agent),
      modelId: id(model?.modelID),
      providerId: id(model?.providerID),
      length: 0,
      text: undefined,
    });
    // 1.18 re-sends the user message with `summary.diffs` (lines per file since the turn began)
    // after every step, and again later; 1.18.33 sends `diffs: []` outside a git worktree.
    const files = readDiffs(obj(info.summary)?.diffs);
    if (files) emit({ kind: "summary", sessionId, time: now, messageId, files });
    return;
  }
  if (info.role !== "assistant") return;
  emit({
    kind: "llm",
    sessionId,
    time: now,
    messageId,
    modelId: id(info.modelID) ?? "unknown",
    providerId: id(info.providerID) ?? "unknown",
    agent: id(info.agent) ?? id(info.mode),
    createdAt: num(time?.created) ?? now,
    completedAt: num(time?.completed),
    tokens: readTokens(info.tokens),
    cost: count(info.cost),
    finish: id(info.finish),
    error: readError(info.error),
    // A compaction's summary call: mode and agent `compaction`, `summary: true`.
    summary: info.summary === true,
    parentId: id(info.parentID),
  });
}

function partUpdated(props: Obj, now: number, emit: FactSink): void {
  const part = obj(props.part);
  const sessionId = id(part?.sessionID) ?? id(props.sessionID);
  const messageId = id(part?.messageID);
  const partId = id(part?.id);
  if (!part || !sessionId || !messageId || !partId) return;
  if (part.type === "text") {
    const text = str(part.text) ?? "";
    // Full-text update: the whole text so far (older hosts send one per chunk, 1.18 sends an
    // empty one at start and the final one at the end). Length replaces, never accumulates.
    emit({
      kind: "text",
      sessionId,
      time: now,
      messageId,
      partId,
      mode: "full",
      length: text.length,
      text: () => text,
    });
    return;
  }
  switch (part.type) {
    case "tool":
      toolPart(part, sessionId, messageId, now, emit);
      return;
    case "step-start":
    case "step-finish":
      // A `snapshot` hash means the host snapshots this worktree (git): the user message's
      // summary then diffs this step's files. Outside git there is none.
      emit({
        kind: "step",
        sessionId,
        time: now,
        messageId,
        snapshot: id(part.snapshot) !== undefined,
        changed: [],
      });
      return;
    case "patch": {
      // Written right after a step that changed files, just before the host re-diffs them.
      const changed: string[] = [];
      if (Array.isArray(part.files))
        for (const file of part.files) {
          const path = id(file);
          if (path) changed.push(path);
        }
      emit({ kind: "step", sessionId, time: now, messageId, snapshot: true, changed });
      return;
    }
    case "compaction":
      emit({ kind: "compaction", sessionId, time: now, messageId, auto: part.auto === true });
      return;
  }
}

const TOOL_STATUSES: readonly ToolStatus[] = ["pending", "running", "completed", "error"];

function toolStatus(value: unknown): ToolStatus | undefined {
  return TOOL_STATUSES.find((status) => status === value);
}

function toolPart(part: Obj, sessionId: string, messageId: string, now: number, emit: FactSink) {
  const callId = id(part.callID);
  const state = obj(part.state);
  const status = toolStatus(state?.status);
  if (!callId || !state || !status) return;
  const time = obj(state.time);
  const metadata = obj(state.metadata);
  const output = str(state.output);
  const exit = num(metadata?.exit);
  const tool = id(part.tool);
  const completed = status === "completed";
  // Only a shell command (the tools that report `metadata.exit`) that exited 0 made what its
  // output says: a `read` of a file quoting git's output commits nothing.
  const shellOutput = completed && exit === 0 ? output : undefined;
  const command = str(obj(state.input)?.command);
  emit({
    kind: "tool",
    sessionId,
    time: now,
    messageId,
    callId,
    tool: tool ?? "unknown",
    status,
    startedAt: num(time?.start),
    endedAt: num(time?.end),
    input: () => state.input,
    output: output === undefined ? undefined : () => output,
    outputLength: output?.length ?? 0,
    error: str(state.error),
    deniedByRule: status === "error" && isRuleDenial(str(state.error)),
    // The task tool's metadata names the subagent session it spawned.
    childSessionId: id(metadata?.sessionId),
    exitCode: exit,
    edits: completed ? readEdits(tool, state) : [],
    vcs: shellOutput === undefined ? undefined : () => readVcs(command, shellOutput),
  });
}

/**
 * opencode's error when a `deny` permission rule refuses a call (no question is asked; seen on
 * 1.18.33: "The user has specified a rule which prevents you from using this specific tool
 * call. Here are some of the relevant rules [...]"). A user's rejection reads "The user rejected
 * permission to use this specific tool call." and comes after a `permission.replied`.
 */
function isRuleDenial(error: string | undefined): boolean {
  return error?.startsWith("The user has specified a rule which prevents you") === true;
}

function partDelta(props: Obj, now: number, emit: FactSink): void {
  const sessionId = id(props.sessionID);
  const messageId = id(props.messageID);
  const partId = id(props.partID);
  const delta = str(props.delta);
  if (!sessionId || !messageId || !partId || delta === undefined || props.field !== "text") return;
  // O(1): only the chunk's length travels; the text is never concatenated here.
  emit({
    kind: "text",
    sessionId,
    time: now,
    messageId,
    partId,
    mode: "delta",
    length: delta.length,
    text: undefined,
  });
}

function permissionAsked(props: Obj, now: number, emit: FactSink): void {
  const sessionId = id(props.sessionID);
  const requestId = id(props.id);
  if (!sessionId || !requestId) return;
  emit({
    kind: "permission.ask",
    sessionId,
    time: now,
    requestId,
    permission: id(props.permission) ?? "unknown",
    callId: id(obj(props.tool)?.callID),
  });
}

function permissionReplied(props: Obj, now: number, emit: FactSink): void {
  const sessionId = id(props.sessionID);
  const requestId = id(props.requestID);
  const reply = props.reply;
  if (!sessionId || !requestId) return;
  if (reply !== "once" && reply !== "always" && reply !== "reject") return;
  emit({ kind: "permission.reply", sessionId, time: now, requestId, reply });
}
