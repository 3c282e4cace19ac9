import {
  type Context,
  type Link,
  ROOT_CONTEXT,
  type SpanContext,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import type { TraceScope } from "../config/types.js";
import type { SessionRec, TurnRec } from "../model/records.js";
import { type DerivedIds, sessionStartIds, traceIdForSession, turnIds } from "../sdk/ids.js";
import * as sc from "../semconv.js";

/** Where a span goes: under `parent` (the root context for a root), with these links. */
export interface Placement {
  readonly parent: Context;
  /** A root's chosen trace id (else the generator's random one). */
  readonly traceId?: string | undefined;
  /** A root's chosen span id, when other processes must be able to link to it. */
  readonly spanId?: string | undefined;
  readonly links: Link[];
}

export interface SessionPlacement extends Placement {
  /** Root the session's trace in a zero-length `session.start` marker with these ids. */
  readonly marker: DerivedIds | undefined;
}

export interface PlacementOptions {
  readonly scope: TraceScope;
  /** W3C parent of root spans (`OPENCODE_TRACEPARENT`). */
  readonly remoteParent: SpanContext | undefined;
  /** The span context of the span a record is shown as, if it has one. */
  readonly spanOf: (record: object | undefined) => SpanContext | undefined;
}

/** Decides, by trace scope, every span's parent, root ids and links; the emitter only starts spans. */
export interface SpanPlacement {
  session(session: SessionRec): SessionPlacement;
  turn(turn: TurnRec): Placement;
  compaction(compaction: TurnRec): Placement;
  /** The turn's span has started: the next turn of its session links to it. */
  turnStarted(turn: TurnRec, context: SpanContext): void;
  /**
   * Links a turn could not have at its start: the previous process's last turn, when the
   * session's history (which names it) answered only after this turn began.
   */
  lateLinks(turn: TurnRec): Link[];
}

/** Derived span ids this process handed out, so the same prompt seen twice never reuses one. */
const DERIVED_KEPT = 4096;

export function createSpanPlacement(options: PlacementOptions): SpanPlacement {
  const { scope, remoteParent, spanOf } = options;
  const perTurn = scope === "turn";
  const previous = new WeakMap<SessionRec, SpanContext>();
  const waiting = new WeakSet<TurnRec>();
  const derived = new Set<string>();

  /** Derived ids, unless already used here (a repeated or replayed prompt gets random ones). */
  function fresh(ids: DerivedIds): DerivedIds | undefined {
    if (derived.has(ids.spanId)) return undefined;
    derived.add(ids.spanId);
    if (derived.size > DERIVED_KEPT) {
      const oldest = derived.values().next().value;
      if (oldest !== undefined) derived.delete(oldest);
    }
    return ids;
  }

  const under = (context: SpanContext): Context => trace.setSpanContext(ROOT_CONTEXT, context);

  function link(context: SpanContext | undefined, type: string): Link[] {
    return context ? [{ context, attributes: { [sc.LINK_TYPE]: type } }] : [];
  }

  /** A span another process exported under derived ids; whether it was sampled is unknown. */
  const elsewhere = (ids: DerivedIds): SpanContext => ({
    traceId: ids.traceId,
    spanId: ids.spanId,
    traceFlags: TraceFlags.NONE,
    isRemote: true,
  });

  /**
   * The previous process's last turn of a primary session: its prompt is in the session's
   * history, and its ids derive from it (not under a remote parent, whose trace id it took).
   */
  function priorTurn(session: SessionRec): SpanContext | undefined {
    const prompt = session.priorPromptId;
    if (!prompt || session.parentId || remoteParent) return undefined;
    return elsewhere(turnIds(session.id, prompt));
  }

  /** Links of a turn-scope root: the turn before it, and the session it belongs to. */
  function turnLinks(session: SessionRec, turn: TurnRec | undefined): Link[] {
    const before = previous.get(session) ?? priorTurn(session);
    if (!before && turn && session.resumed) waiting.add(turn);
    return [...link(before, "previous_turn"), ...link(spanOf(session), "session")];
  }

  /** Where a turn-scope root goes: a subagent's under the call that spawned it. */
  function rootParent(session: SessionRec): SpanContext | undefined {
    if (session.parentId) return spanOf(session.parentTool) ?? spanOf(session.parentTurn);
    return remoteParent;
  }

  return {
    session(session) {
      const none = { links: [], marker: undefined };
      if (perTurn) {
        // The session span holds the session's record (lifetime totals, end reason, duration):
        // a short trace of its own, beside its parent session's span for a subagent.
        const spawnedBy = link(spanOf(session.parentTool), "task");
        const parent = spanOf(session.parentSession);
        if (parent) return { ...none, parent: under(parent), links: spawnedBy };
        if (!session.parentId && remoteParent) return { ...none, parent: under(remoteParent) };
        const traceId = traceIdForSession(session.parentId ?? session.id);
        return { ...none, parent: ROOT_CONTEXT, traceId, links: spawnedBy };
      }
      const nested =
        spanOf(session.parentTool) ?? spanOf(session.parentTurn) ?? spanOf(session.parentSession);
      if (nested) return { ...none, parent: under(nested) };
      if (!session.parentId && remoteParent) return { ...none, parent: under(remoteParent) };
      const marker =
        !session.parentId && !session.resumed ? fresh(sessionStartIds(session.id)) : undefined;
      if (marker) return { ...none, parent: ROOT_CONTEXT, marker };
      // A resumed segment stays a root: the process that created the session (and its marker)
      // may have run without this plugin, and a parent that never arrives is an orphan. It links
      // to the marker instead. A subagent whose parent this process never saw joins its trace.
      const links = session.parentId
        ? []
        : link(elsewhere(sessionStartIds(session.id)), "session_start");
      const traceId = traceIdForSession(session.parentId ?? session.id);
      return { ...none, parent: ROOT_CONTEXT, traceId, links };
    },

    turn(turn) {
      const session = turn.session;
      const own = spanOf(session);
      if (!perTurn) return { parent: own ? under(own) : ROOT_CONTEXT, links: [] };
      const links = turnLinks(session, turn);
      const parent = rootParent(session);
      if (parent) return { parent: under(parent), links };
      // The turn's own trace, named after its prompt. A turn the host started without one gets
      // random ids: nothing else could refer to it.
      const ids = turn.promptId ? fresh(turnIds(session.id, turn.promptId)) : undefined;
      return { parent: ROOT_CONTEXT, traceId: ids?.traceId, spanId: ids?.spanId, links };
    },

    compaction(compaction) {
      const session = compaction.session;
      const own = spanOf(session);
      if (!perTurn) return { parent: own ? under(own) : ROOT_CONTEXT, links: [] };
      // An automatic compaction runs inside the turn it interrupts: it stays in that turn's trace.
      const open = session.turn && !session.turn.ended ? spanOf(session.turn) : undefined;
      if (open) return { parent: under(open), links: [] };
      const parent = rootParent(session);
      const links = turnLinks(session, undefined);
      return { parent: parent ? under(parent) : ROOT_CONTEXT, links };
    },

    turnStarted(turn, context) {
      if (perTurn) previous.set(turn.session, context);
    },

    lateLinks(turn) {
      if (!waiting.has(turn)) return [];
      waiting.delete(turn);
      return link(priorTurn(turn.session), "previous_turn");
    },
  };
}
