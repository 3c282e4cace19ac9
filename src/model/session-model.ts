import type { ErrorInfo, Fact, SessionAggregate } from "../facts.js";
import { applyHistory } from "./history.js";
import { LineLedger } from "./line-ledger.js";
import {
  type LlmRec,
  type PendingPrompt,
  RecentRing,
  type SessionEndReason,
  type SessionRec,
  type ToolRec,
  type TurnRec,
} from "./records.js";
import type { Subscriber } from "./subscriber.js";
import {
  addUsage,
  emptyUsage,
  maxUsage,
  subtractUsage,
  totalTokens,
  type Usage,
  usageOf,
} from "./usage.js";

export interface SessionModelOptions {
  /** Sessions held at most; the least recently active one is finalized ("evicted") beyond it. */
  readonly maxSessions: number;
  /** Keep references to assistant text so a response-capture emitter can read it. */
  readonly keepResponseText: boolean;
  /** Called when a subscriber throws: the model and the other subscribers carry on. */
  readonly onSubscriberError: (error: unknown) => void;
}

const RECENT_IDS = 8;
const MAX_PENDING_PERMISSIONS = 64;
/** Permission names kept per tool call: a call is asked about one or two things. */
const MAX_ASKED_PER_CALL = 4;

/** Why an LLM call or tool still open when its turn ended is closed. Not an API error. */
export const INCOMPLETE: ErrorInfo = {
  name: "Incomplete",
  message: "ended before it completed",
  aborted: false,
};

/**
 * The session model: pure state, fed facts, telling subscribers about lifecycles. It owns one
 * record per session and is the only place that decides when anything starts or ends, so every
 * span-like thing is ended exactly once whatever order the host's events come in.
 */
export class SessionModel {
  /** Insertion order is recency order (LRU): touching a session moves it to the end. */
  private readonly sessions = new Map<string, SessionRec>();
  private readonly subscribers: Subscriber[] = [];
  /** The session touched last (the end of the LRU order). */
  private latest: SessionRec | undefined;
  /**
   * The host calls `chat.message` for every prompt (opencode 1.18 does, before the prompt's
   * user message): from then on a user message alone (a compaction request, the "continue" the
   * host adds after an automatic compaction) is not a prompt.
   */
  private hookPrompts = false;

  private readonly lines = new LineLedger({
    report: (change) => this.emit((s) => s.linesChanged?.(change)),
    countedByParent: (session) => this.countedByParent(session),
  });

  constructor(private readonly options: SessionModelOptions) {}

  subscribe(subscriber: Subscriber): void {
    this.subscribers.push(subscriber);
  }

  /** Open sessions (for tests and the benchmark). */
  get size(): number {
    return this.sessions.size;
  }

  get(sessionId: string): SessionRec | undefined {
    return this.sessions.get(sessionId);
  }

  apply(fact: Fact): void {
    switch (fact.kind) {
      case "text":
        this.text(fact);
        return;
      case "session.info":
        this.sessionInfo(fact);
        return;
      case "session.delete": {
        const session = this.sessions.get(fact.sessionId);
        if (session) this.endSession(session, "deleted", fact.time);
        return;
      }
      case "session.error":
        this.sessionError(fact.sessionId, fact.time, fact.error);
        return;
      case "session.retry":
        this.retry(fact);
        return;
      case "session.idle": {
        const session = this.sessions.get(fact.sessionId);
        if (!session) return;
        if (session.compaction) this.endTurn(session, session.compaction, fact.time);
        if (session.turn) this.endTurn(session, session.turn, fact.time);
        session.pendingPrompt = undefined;
        return;
      }
      case "session.diff":
        this.lines.diff(this.touch(fact.sessionId, fact.time), fact);
        return;
      case "session.compacted": {
        const session = this.sessions.get(fact.sessionId);
        if (session?.compaction) this.endTurn(session, session.compaction, fact.time);
        return;
      }
      case "prompt":
        this.prompt(fact);
        return;
      case "summary": {
        const session = this.sessions.get(fact.sessionId);
        if (session) this.lines.summary(session, fact);
        return;
      }
      case "step": {
        const session = this.sessions.get(fact.sessionId);
        if (session) this.lines.step(session, fact);
        return;
      }
      case "compaction":
        this.compaction(fact);
        return;
      case "history": {
        const session = this.sessions.get(fact.sessionId);
        if (session) applyHistory(session, fact);
        return;
      }
      case "llm":
        this.llm(fact);
        return;
      case "tool":
        this.tool(fact);
        return;
      case "permission.ask":
        this.permissionAsk(fact);
        return;
      case "permission.reply":
        this.permissionReply(fact);
        return;
    }
  }

  /** Finalizes every open session (dispose/shutdown). */
  endAll(reason: SessionEndReason, time: number): void {
    for (const session of [...this.sessions.values()]) this.endSession(session, reason, time);
  }

  // ---- sessions ----

  private touch(
    sessionId: string,
    time: number,
    init?: { readonly created: boolean; readonly parentId: string | undefined },
  ): SessionRec {
    const existing = this.sessions.get(sessionId);
    if (existing) {
      // Already the most recent (the common case: one busy session): nothing to reorder.
      if (this.latest !== existing) {
        this.sessions.delete(sessionId);
        this.sessions.set(sessionId, existing);
        this.latest = existing;
      }
      return existing;
    }
    const session: SessionRec = {
      id: sessionId,
      parentId: init?.parentId,
      resumed: !init?.created,
      startTime: time,
      agent: undefined,
      parentTool: undefined,
      parentTurn: undefined,
      parentSession: undefined,
      started: false,
      ended: false,
      endTime: time,
      endReason: undefined,
      turn: undefined,
      compaction: undefined,
      pendingPrompt: undefined,
      turns: 0,
      messages: 0,
      errors: 0,
      priorTurns: 0,
      priorMessages: 0,
      priorPromptId: undefined,
      firstMessageId: undefined,
      lastCallTokens: undefined,
      title: undefined,
      lines: { added: 0, removed: 0 },
      toolLines: { added: 0, removed: 0 },
      snapshots: false,
      settled: [],
      usage: emptyUsage(),
      baseline: undefined,
      reported: undefined,
      llms: new Map(),
      tools: new Map(),
      recent: new RecentRing(RECENT_IDS),
      diff: undefined,
      diffBase: undefined,
      diffLines: false,
      sequence: 0,
      lastPromptId: undefined,
      permissions: new Map(),
    };
    this.sessions.set(sessionId, session);
    this.latest = session;
    this.emit((s) => s.sessionSeen?.(session));
    if (this.sessions.size > this.options.maxSessions) {
      const oldest = this.sessions.values().next().value;
      if (oldest && oldest !== session) this.endSession(oldest, "evicted", time);
    }
    return session;
  }

  private sessionInfo(fact: Extract<Fact, { kind: "session.info" }>): void {
    let session = this.sessions.get(fact.sessionId);
    if (!session) {
      session = this.touch(fact.sessionId, fact.time, fact);
      if (fact.createdAt !== undefined && fact.created) session.startTime = fact.createdAt;
    } else this.touch(fact.sessionId, fact.time);
    if (fact.agent) session.agent = fact.agent;
    if (fact.title) session.title = fact.title;
    if (fact.aggregate) this.aggregate(session, fact.aggregate);
    // Primary sessions start now; subagents wait for their first turn, by which time the task
    // tool that spawned them has reported the child's id (it arrives just after session.created).
    if (fact.created && !session.parentId) this.ensureStarted(session);
  }

  private aggregate(session: SessionRec, aggregate: SessionAggregate): void {
    const reported = usageOf(aggregate.tokens, aggregate.cost);
    // The first aggregate a process sees covers what earlier processes did; what this process
    // counted before it arrived is already inside it.
    if (!session.baseline) session.baseline = subtractUsage(reported, session.usage);
    session.reported = reported;
  }

  private ensureStarted(session: SessionRec): void {
    if (session.started) return;
    if (session.parentId) {
      const parent = this.sessions.get(session.parentId);
      if (parent) {
        session.parentSession = parent;
        session.parentTool = findSpawningTool(parent, session.id);
        session.parentTurn = parent.turn;
      }
    }
    session.started = true;
    this.emit((s) => s.sessionStart?.(session));
  }

  /**
   * A subagent session's later turn may come from another `task` call (the parent resumes the
   * same subagent): its turn belongs where that call runs, not where the first one did.
   */
  private respawned(session: SessionRec): void {
    const parent = session.parentSession;
    if (!parent || parent.ended) return;
    const tool = findSpawningTool(parent, session.id);
    if (tool) session.parentTool = tool;
    if (parent.turn) session.parentTurn = parent.turn;
  }

  private endSession(session: SessionRec, reason: SessionEndReason, time: number): void {
    if (session.ended) return;
    // Finalized mid-turn (shutdown, deletion, eviction): the turn did not complete.
    for (const open of [session.compaction, session.turn]) {
      if (!open) continue;
      open.incomplete = true;
      this.endTurn(session, open, time);
    }
    session.ended = true;
    session.endReason = reason;
    session.endTime = Math.max(time, session.startTime);
    this.sessions.delete(session.id);
    if (this.latest === session) this.latest = undefined;
    // A resumed session that this process saw nothing happen in leaves no trace segment.
    if (!session.started && session.resumed && session.turns === 0) return;
    this.ensureStarted(session);
    this.emit((s) => s.sessionEnd?.(session));
    session.parentTool = undefined;
    session.parentTurn = undefined;
    session.parentSession = undefined;
  }

  private sessionError(sessionId: string, time: number, error: ErrorInfo): void {
    const session = this.touch(sessionId, time);
    session.errors += 1;
    const turn = session.turn;
    if (turn) turn.error ??= error;
    if (session.started || turn) {
      this.ensureStarted(session);
      this.emit((s) => s.sessionError?.(session, turn, error));
    }
  }

  // ---- turns ----

  private prompt(fact: Extract<Fact, { kind: "prompt" }>): void {
    if (fact.source === "hook") this.hookPrompts = true;
    // The host announces every prompt through chat.message: a user message alone is something
    // it wrote itself (a compaction request, the "continue" after an automatic compaction).
    else if (this.hookPrompts) return;
    const session = this.touch(fact.sessionId, fact.time);
    const last = session.lastPromptId;
    // A user message.updated is re-sent whenever its summary changes (after the turn ended,
    // too): only a newer message than the last prompt starts a turn. Ids sort by time.
    if (last !== undefined && fact.messageId <= last) return;
    session.lastPromptId = fact.messageId;
    this.sawMessage(session, fact.messageId);
    if (fact.agent) session.agent ??= fact.agent;
    if (session.turn) this.endTurn(session, session.turn, fact.time);
    const pending = {
      messageId: fact.messageId,
      time: fact.time,
      modelId: fact.modelId,
      providerId: fact.providerId,
    };
    if (fact.source === "hook") {
      session.pendingPrompt = undefined;
      this.startTurn(session, fact.time, pending, fact);
    }
    // Known only from its user message: it becomes a turn when work arrives for it, unless a
    // compaction part shows it was a compaction request.
    else session.pendingPrompt = pending;
  }

  private startTurn(
    session: SessionRec,
    time: number,
    prompt: PendingPrompt | undefined,
    text?: {
      readonly length: number;
      readonly text: (() => string) | undefined;
      readonly agent: string | undefined;
    },
  ): TurnRec {
    if (session.started) this.respawned(session);
    this.ensureStarted(session);
    session.turns += 1;
    const turn = newTurn(session, "prompt", time, prompt?.messageId);
    turn.index = session.priorTurns + session.turns;
    turn.promptLength = text?.length ?? 0;
    turn.promptText = text?.text;
    turn.modelId = prompt?.modelId;
    turn.providerId = prompt?.providerId;
    turn.agent = text?.agent ?? session.agent;
    session.turn = turn;
    this.emit((s) => s.turnStart?.(turn));
    return turn;
  }

  private currentTurn(session: SessionRec, time: number): TurnRec {
    if (session.turn) return session.turn;
    // A prompt known from its user message alone starts now; any other work outside a prompt
    // (a host-initiated step) gets a turn of its own.
    const pending = session.pendingPrompt;
    session.pendingPrompt = undefined;
    return this.startTurn(session, pending?.time ?? time, pending);
  }

  private endTurn(session: SessionRec, turn: TurnRec, time: number): void {
    if (turn.ended) return;
    const reason = turn.error ?? INCOMPLETE;
    for (const llm of session.llms.values()) {
      if (llm.turn !== turn) continue;
      llm.error ??= reason;
      this.endLlm(session, llm, time);
    }
    for (const tool of session.tools.values()) {
      if (tool.turn !== turn) continue;
      if (!tool.started) {
        // Never ran (still pending when the turn ended): no duration, no span.
        session.tools.delete(tool.callId);
        continue;
      }
      tool.success = false;
      tool.error ??= reason.aborted ? "aborted" : `turn ended before the tool finished`;
      this.endTool(session, tool, time);
    }
    turn.ended = true;
    turn.endTime = Math.max(time, turn.startTime);
    if (turn.kind === "compaction") {
      session.compaction = undefined;
      this.emit((s) => s.compactionEnd?.(turn));
      return;
    }
    session.turn = undefined;
    this.lines.settle(session, turn);
    this.emit((s) => s.turnEnd?.(turn));
  }

  // ---- compactions ----

  private compaction(fact: Extract<Fact, { kind: "compaction" }>): void {
    const session = this.touch(fact.sessionId, fact.time);
    // The compaction request's user message is no prompt.
    if (session.pendingPrompt?.messageId === fact.messageId) session.pendingPrompt = undefined;
    const compaction = session.compaction ?? this.startCompaction(session, fact.time);
    compaction.auto = fact.auto;
  }

  private startCompaction(session: SessionRec, time: number): TurnRec {
    this.ensureStarted(session);
    const compaction = newTurn(session, "compaction", time, undefined);
    compaction.tokensBefore = session.lastCallTokens;
    compaction.agent = "compaction";
    session.compaction = compaction;
    this.emit((s) => s.compactionStart?.(compaction));
    return compaction;
  }

  // ---- LLM calls ----

  private llm(fact: Extract<Fact, { kind: "llm" }>): void {
    const session = this.touch(fact.sessionId, fact.time);
    let llm = session.llms.get(fact.messageId);
    if (!llm) {
      if (session.recent.has(fact.messageId)) {
        this.lateLlm(session, fact);
        return;
      }
      // A compaction's summary call belongs to the compaction (started here if the host sent
      // no compaction part first), never to the user's turn it may interrupt.
      const turn = fact.summary
        ? (session.compaction ?? this.startCompaction(session, fact.time))
        : this.currentTurn(session, fact.time);
      this.sawMessage(session, fact.messageId);
      if (fact.parentId && turn.kind === "prompt") turn.messageIds.add(fact.parentId);
      llm = {
        session,
        turn,
        messageId: fact.messageId,
        modelId: fact.modelId,
        providerId: fact.providerId,
        agent: fact.agent,
        startTime: Math.max(fact.createdAt, turn.startTime),
        endTime: fact.time,
        usage: emptyUsage(),
        finish: undefined,
        error: undefined,
        retries: 0,
        firstChunkTime: undefined,
        partId: undefined,
        partLength: 0,
        doneLength: 0,
        texts: this.options.keepResponseText ? [] : undefined,
        ended: false,
      };
      session.llms.set(fact.messageId, llm);
      turn.llmCalls += 1;
      const started = llm;
      this.emit((s) => s.llmStart?.(started));
    }
    llm.modelId = fact.modelId;
    llm.providerId = fact.providerId;
    llm.usage = usageOf(fact.tokens, fact.cost);
    if (fact.finish) llm.finish = fact.finish;
    if (fact.error) {
      llm.error = fact.error;
      llm.turn.error ??= fact.error;
    }
    if (fact.completedAt !== undefined) {
      // Completed with neither a finish reason nor an error: opencode's abort during retries.
      if (!llm.finish && !llm.error)
        llm.error = { name: "Aborted", message: "aborted (no finish reason)", aborted: true };
      this.endLlm(session, llm, fact.completedAt);
    }
  }

  /** An update for a message this process already ended (e.g. cut off by idle, tokens later). */
  private lateLlm(session: SessionRec, fact: Extract<Fact, { kind: "llm" }>): void {
    const counted = session.recent.usage(fact.messageId);
    if (!counted) return;
    const extra = subtractUsage(usageOf(fact.tokens, fact.cost), counted);
    addUsage(session.usage, extra);
    addUsage(counted, extra);
  }

  private endLlm(session: SessionRec, llm: LlmRec, time: number): void {
    if (llm.ended) return;
    llm.ended = true;
    llm.endTime = Math.max(time, llm.startTime);
    if (llm.error && !llm.finish) llm.turn.incomplete = true;
    session.llms.delete(llm.messageId);
    session.messages += 1;
    addUsage(session.usage, llm.usage);
    addUsage(llm.turn.usage, llm.usage);
    // The record is done with its usage object: the ring can keep it as is.
    session.recent.add(llm.messageId, llm.usage);
    const turn = llm.turn;
    if (turn.kind === "compaction") turn.tokensAfter = llm.usage.output + llm.usage.reasoning;
    else {
      session.lastCallTokens = totalTokens(llm.usage);
      turn.modelId ??= llm.modelId;
      turn.providerId ??= llm.providerId;
      turn.agent ??= llm.agent;
    }
    this.emit((s) => s.llmEnd?.(llm));
  }

  private text(fact: Extract<Fact, { kind: "text" }>): void {
    const llm = this.sessions.get(fact.sessionId)?.llms.get(fact.messageId);
    if (!llm) return;
    if (llm.firstChunkTime === undefined && fact.length > 0) llm.firstChunkTime = fact.time;
    if (fact.partId !== llm.partId) {
      llm.doneLength += llm.partLength;
      llm.partLength = 0;
      llm.partId = fact.partId;
      if (llm.texts && fact.text) llm.texts.push(fact.text);
    } else if (llm.texts && fact.text) llm.texts[llm.texts.length - 1] = fact.text;
    llm.partLength = fact.mode === "delta" ? llm.partLength + fact.length : fact.length;
  }

  private retry(fact: Extract<Fact, { kind: "session.retry" }>): void {
    const session = this.touch(fact.sessionId, fact.time);
    let llm: LlmRec | undefined;
    for (const open of session.llms.values()) llm = open;
    if (!llm) return;
    llm.retries += 1;
    const retried = llm;
    this.emit((s) => s.llmRetry?.(retried, fact.attempt, fact.message));
  }

  // ---- tools ----

  private tool(fact: Extract<Fact, { kind: "tool" }>): void {
    const session = this.touch(fact.sessionId, fact.time);
    let tool = session.tools.get(fact.callId);
    if (!tool) {
      if (session.recent.has(fact.callId)) return;
      const turn = this.currentTurn(session, fact.time);
      tool = {
        session,
        turn,
        callId: fact.callId,
        name: fact.tool,
        messageId: fact.messageId,
        started: false,
        startTime: fact.time,
        endTime: fact.time,
        success: false,
        error: undefined,
        outputLength: 0,
        input: fact.input,
        output: undefined,
        exitCode: undefined,
        childSessionId: undefined,
        asked: [],
        deniedByRule: false,
        vcs: undefined,
        ended: false,
      };
      session.tools.set(fact.callId, tool);
    }
    tool.input = fact.input;
    if (fact.childSessionId) tool.childSessionId ??= fact.childSessionId;
    if (fact.status === "pending") return;
    // The first `running` update starts the call; later ones only stream output.
    if (!tool.started) this.startTool(tool, fact.startedAt ?? fact.time);
    if (fact.status === "running") return;
    tool.success = fact.status === "completed";
    tool.error = fact.error;
    tool.output = fact.output;
    tool.outputLength = fact.outputLength;
    tool.exitCode = fact.exitCode;
    tool.deniedByRule = fact.deniedByRule;
    tool.vcs = fact.vcs;
    for (const edit of fact.edits) tool.turn.edits.push({ ...edit, tool: tool.name });
    this.endTool(session, tool, fact.endedAt ?? fact.time);
  }

  private startTool(tool: ToolRec, time: number): void {
    tool.started = true;
    tool.startTime = Math.max(time, tool.turn.startTime);
    tool.turn.toolCalls += 1;
    this.emit((s) => s.toolStart?.(tool));
    if (tool.name === "task") this.emit((s) => s.subtask?.(tool));
  }

  private endTool(session: SessionRec, tool: ToolRec, time: number): void {
    if (tool.ended) return;
    tool.ended = true;
    tool.endTime = Math.max(time, tool.startTime);
    session.tools.delete(tool.callId);
    session.recent.add(tool.callId);
    this.emit((s) => s.toolEnd?.(tool));
    if (!tool.success || !tool.vcs) return;
    // Only what the command's own output shows it made: a commit line, a pull request's URL.
    const { commits, pullRequests } = tool.vcs();
    tool.vcs = undefined;
    for (const sha of commits) this.emit((s) => s.commit?.(tool, sha));
    for (const pr of pullRequests) this.emit((s) => s.pullRequest?.(tool, pr));
  }

  // ---- lines, history, permissions ----

  /**
   * A subagent's turn runs inside the parent turn that spawned it, and the parent's summary
   * diffs the same snapshots: its lines are counted there, once.
   */
  private countedByParent(session: SessionRec): boolean {
    return session.parentId !== undefined && this.sessions.has(session.parentId);
  }

  private sawMessage(session: SessionRec, messageId: string): void {
    if (session.firstMessageId === undefined || messageId < session.firstMessageId)
      session.firstMessageId = messageId;
  }

  private permissionAsk(fact: Extract<Fact, { kind: "permission.ask" }>): void {
    const session = this.touch(fact.sessionId, fact.time);
    if (session.permissions.size >= MAX_PENDING_PERMISSIONS) {
      const oldest = session.permissions.keys().next().value;
      if (oldest !== undefined) session.permissions.delete(oldest);
    }
    session.permissions.set(fact.requestId, {
      permission: fact.permission,
      callId: fact.callId,
      time: fact.time,
    });
    // The call is already running when the host asks (seen on 1.18.33): it learns it was asked.
    const tool = fact.callId ? session.tools.get(fact.callId) : undefined;
    if (tool && tool.asked.length < MAX_ASKED_PER_CALL) tool.asked.push(fact.permission);
  }

  private permissionReply(fact: Extract<Fact, { kind: "permission.reply" }>): void {
    const session = this.touch(fact.sessionId, fact.time);
    const asked = session.permissions.get(fact.requestId);
    session.permissions.delete(fact.requestId);
    this.emit((s) =>
      s.permission?.({
        session,
        permission: asked?.permission ?? "unknown",
        callId: asked?.callId,
        reply: fact.reply,
        waitMs: asked ? Math.max(0, fact.time - asked.time) : 0,
      }),
    );
  }

  private emit(call: (subscriber: Subscriber) => void): void {
    for (const subscriber of this.subscribers) {
      try {
        call(subscriber);
      } catch (error) {
        this.options.onSubscriberError(error);
      }
    }
  }
}

/** The task tool that spawned `childId`, else the parent's most recent running task tool. */
function findSpawningTool(parent: SessionRec, childId: string): ToolRec | undefined {
  let candidate: ToolRec | undefined;
  for (const tool of parent.tools.values()) {
    if (tool.childSessionId === childId) return tool;
    if (tool.name === "task" && tool.started && !tool.childSessionId) candidate = tool;
  }
  return candidate;
}

/** Lifetime usage of a session as of now: opencode's aggregate where it is ahead of our count. */
export function lifetimeUsage(session: SessionRec): Usage {
  const own = emptyUsage();
  if (session.baseline) addUsage(own, session.baseline);
  addUsage(own, session.usage);
  return session.reported ? maxUsage(own, session.reported) : own;
}

function newTurn(
  session: SessionRec,
  kind: TurnRec["kind"],
  time: number,
  promptId: string | undefined,
): TurnRec {
  return {
    session,
    kind,
    index: 0,
    promptId,
    startTime: time,
    endTime: time,
    promptLength: 0,
    promptText: undefined,
    usage: emptyUsage(),
    llmCalls: 0,
    toolCalls: 0,
    error: undefined,
    incomplete: false,
    apiErrorReported: false,
    ended: false,
    modelId: undefined,
    providerId: undefined,
    agent: undefined,
    messageIds: new Set(promptId === undefined ? [] : [promptId]),
    summaries: new Map(),
    summaryStale: false,
    snapshot: false,
    edits: [],
    counted: new Map(),
    auto: false,
    tokensBefore: undefined,
    tokensAfter: undefined,
  };
}
