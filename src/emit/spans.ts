import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { TraceScope } from "../config/types.js";
import type { ErrorInfo } from "../facts.js";
import {
  type LlmRec,
  llmOutputLength,
  type SessionRec,
  type ToolRec,
  type TurnRec,
} from "../model/records.js";
import type { Subscriber } from "../model/subscriber.js";
import type { Privacy } from "../privacy/privacy.js";
import type { SessionIdGenerator } from "../sdk/ids.js";
import * as sc from "../semconv.js";
import {
  compactionEndAttributes,
  compactionStartAttributes,
  errorType,
  finishReason,
  inputMessages,
  llmEndAttributes,
  llmStartAttributes,
  outputMessages,
  sessionEndAttributes,
  sessionMarkerAttributes,
  sessionStartAttributes,
  toolEndAttributes,
  toolStartAttributes,
  turnEndAttributes,
  turnStartAttributes,
} from "./span-attributes.js";
import { createSpanPlacement, type Placement } from "./span-placement.js";

export interface SpanEmitterOptions {
  readonly tracer: Tracer;
  readonly ids: SessionIdGenerator;
  readonly privacy: Privacy;
  /** Span name prefix, `opencode.` by default. */
  readonly prefix: string;
  /** Extra attributes for every span (`OPENCODE_SPAN_ATTRIBUTES`). */
  readonly extraAttributes: Readonly<Record<string, string>>;
  /** W3C parent for root spans (`OPENCODE_TRACEPARENT`). */
  readonly remoteParent: SpanContext | undefined;
  /** What one trace holds: a whole session, or one user turn. */
  readonly scope: TraceScope;
}

export interface SpanEmitter extends Subscriber {
  /** The context of the span a record is shown as, for logs that link to it. */
  contextOf(record: object): Context | undefined;
  /**
   * The ids of a record's span when it will be exported (sampled), so that a reader of the local
   * store can tell whether the store holds it yet.
   */
  spanIdsOf(record: object): { readonly traceId: string; readonly spanId: string } | undefined;
}

/**
 * The traces signal: one span per session segment, turn, LLM call and tool call. Where each span
 * goes (its parent, a root's ids, its links) depends on the trace scope and is decided in
 * `span-placement.ts`; the spans themselves are the same in both scopes.
 */
export function createSpanEmitter(options: SpanEmitterOptions): SpanEmitter {
  const { tracer, ids, privacy, prefix, extraAttributes } = options;
  const hasExtra = Object.keys(extraAttributes).length > 0;
  // Span handles hang off the model's records; when the model drops a record, they go too.
  const spans = new WeakMap<object, Span>();
  // A new session's `session.start` marker, open until the session's first prompt names its agent.
  const markers = new WeakMap<SessionRec, Span>();
  // The latest LLM call of a turn that wrote text: the turn's reply.
  const replies = new WeakMap<TurnRec, LlmRec>();
  const place = createSpanPlacement({
    scope: options.scope,
    remoteParent: options.remoteParent,
    spanOf: (record) => (record ? spans.get(record)?.spanContext() : undefined),
  });

  function open(
    name: string,
    placement: Placement,
    kind: SpanKind,
    startTime: number,
    attributes: Attributes,
  ): Span {
    const all = hasExtra ? { ...extraAttributes, ...attributes } : attributes;
    // The generator hands out chosen ids once; cleared after in case the span took none (a
    // span with a parent asks for no trace id).
    ids.next = placement.traceId;
    ids.nextSpan = placement.spanId;
    const links = placement.links;
    const span = tracer.startSpan(
      name,
      { kind, startTime, attributes: all, ...(links.length > 0 ? { links } : {}) },
      placement.parent,
    );
    ids.next = undefined;
    ids.nextSpan = undefined;
    return span;
  }

  function start(
    record: object,
    name: string,
    placement: Placement,
    kind: SpanKind,
    startTime: number,
    attributes: Attributes,
  ): Span {
    const span = open(name, placement, kind, startTime, attributes);
    spans.set(record, span);
    return span;
  }

  function end(record: object, endTime: number, error?: ErrorInfo, failed?: string): void {
    const span = spans.get(record);
    if (!span?.isRecording()) return;
    if (error)
      span.setStatus({ code: SpanStatusCode.ERROR, message: privacy.scrub(error.message, 512) });
    else if (failed)
      span.setStatus({ code: SpanStatusCode.ERROR, message: privacy.scrub(failed, 512) });
    span.end(endTime);
    // Logs emitted after the end still link to the span, and late children still nest under it,
    // so the record keeps its span's context for as long as the model keeps the record (ended
    // turns are kept a while for late line summaries); the ended span itself, with its
    // attributes and events, is the exporter's and goes.
    spans.set(record, trace.wrapSpanContext(span.spanContext()));
  }

  function contextOf(record: object | undefined): Context | undefined {
    const span = record ? spans.get(record) : undefined;
    return span ? trace.setSpan(ROOT_CONTEXT, span) : undefined;
  }

  /**
   * The marker is zero-length (it ends where it starts) but is sent at the session's first
   * prompt, once the agent is known, or at its end if none came: a view that needs a trace's root
   * has it from the first turn on, instead of when the session ends.
   */
  function endMarker(session: SessionRec): void {
    const marker = markers.get(session);
    if (!marker) return;
    markers.delete(session);
    marker.setAttributes(sessionMarkerAttributes(session));
    marker.end(session.startTime);
  }

  function setContent(span: Span | undefined, key: string, value: string | undefined): void {
    if (span && value !== undefined) span.setAttribute(key, value);
  }

  /** The turn's final reply as its output, when responses may be exported. */
  function setReply(span: Span | undefined, turn: TurnRec): void {
    const llm = replies.get(turn);
    const texts = llm?.texts;
    if (!span || !llm || !texts || texts.length === 0) return;
    const reply = privacy.content("response", () => texts.map((t) => t()).join("\n"));
    if (reply === undefined) return;
    span.setAttribute(sc.OUTPUT_VALUE, reply);
    span.setAttribute(
      sc.GEN_AI_OUTPUT_MESSAGES,
      outputMessages(reply, finishReason(llm.finish, llm.error)),
    );
  }

  return {
    contextOf,

    spanIdsOf(record) {
      const context = spans.get(record)?.spanContext();
      if (!context || (context.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
      return { traceId: context.traceId, spanId: context.spanId };
    },

    sessionStart(session) {
      const placement = place.session(session);
      let parent: Placement = placement;
      if (placement.marker) {
        const { traceId, spanId } = placement.marker;
        const marker = open(
          `${prefix}session.start`,
          { parent: ROOT_CONTEXT, traceId, spanId, links: [] },
          SpanKind.INTERNAL,
          session.startTime,
          sessionMarkerAttributes(session),
        );
        markers.set(session, marker);
        parent = { parent: trace.setSpan(ROOT_CONTEXT, marker), links: [] };
      }
      start(
        session,
        `${prefix}session`,
        parent,
        SpanKind.INTERNAL,
        session.startTime,
        sessionStartAttributes(session),
      );
    },

    sessionEnd(session) {
      endMarker(session);
      const span = spans.get(session);
      span?.setAttributes(sessionEndAttributes(session));
      // opencode writes the title from the first prompt: content, exported only with prompts.
      const title = session.title;
      if (title)
        setContent(
          span,
          sc.SESSION_TITLE,
          privacy.content("prompt", () => title),
        );
      end(session, session.endTime);
    },

    sessionError(session, turn, error) {
      const attributes = {
        [sc.ERROR_TYPE]: errorType(error),
        "error.message": privacy.scrub(error.message, 512),
        ...(turn ? { [sc.TURN_INDEX]: turn.index } : {}),
      };
      spans.get(session)?.addEvent("session.error", attributes);
      if (turn) spans.get(turn)?.addEvent("session.error", attributes);
    },

    turnStart(turn) {
      endMarker(turn.session);
      const span = start(
        turn,
        `${prefix}turn`,
        place.turn(turn),
        SpanKind.INTERNAL,
        turn.startTime,
        turnStartAttributes(turn, options.scope),
      );
      place.turnStarted(turn, span.spanContext());
      const text = turn.promptText;
      const prompt = text ? privacy.content("prompt", text) : undefined;
      if (prompt === undefined) return;
      span.setAttribute(sc.INPUT_VALUE, prompt);
      span.setAttribute(sc.GEN_AI_INPUT_MESSAGES, inputMessages(prompt));
    },

    turnEnd(turn: TurnRec) {
      const span = spans.get(turn);
      if (span?.isRecording()) {
        span.setAttributes(turnEndAttributes(turn));
        span.addLinks(place.lateLinks(turn));
        setReply(span, turn);
      }
      const failed = turn.incomplete ? "turn did not complete" : undefined;
      end(turn, turn.endTime, turn.error, failed);
    },

    compactionStart(compaction) {
      endMarker(compaction.session);
      start(
        compaction,
        `${prefix}compaction`,
        place.compaction(compaction),
        SpanKind.INTERNAL,
        compaction.startTime,
        compactionStartAttributes(compaction),
      );
    },

    compactionEnd(compaction) {
      spans.get(compaction)?.setAttributes(compactionEndAttributes(compaction));
      const failed = compaction.incomplete ? "compaction did not complete" : undefined;
      end(compaction, compaction.endTime, compaction.error, failed);
    },

    llmStart(llm: LlmRec) {
      start(
        llm,
        `${prefix}llm`,
        { parent: contextOf(llm.turn) ?? ROOT_CONTEXT, links: [] },
        SpanKind.CLIENT,
        llm.startTime,
        llmStartAttributes(llm),
      );
    },

    llmRetry(llm, attempt, message) {
      spans.get(llm)?.addEvent("retry", {
        attempt,
        "error.message": privacy.scrub(message, 512),
      });
    },

    llmEnd(llm) {
      const span = spans.get(llm);
      span?.setAttributes(llmEndAttributes(llm, llmOutputLength(llm)));
      const texts = llm.texts;
      if (texts && texts.length > 0 && llm.turn.kind === "prompt") replies.set(llm.turn, llm);
      if (texts && texts.length > 0)
        setContent(
          span,
          sc.OUTPUT_VALUE,
          privacy.content("response", () => texts.map((t) => t()).join("\n")),
        );
      end(llm, llm.endTime, llm.error);
    },

    toolStart(tool: ToolRec) {
      start(
        tool,
        `${prefix}tool.${tool.name}`,
        { parent: contextOf(tool.turn) ?? ROOT_CONTEXT, links: [] },
        SpanKind.INTERNAL,
        tool.startTime,
        toolStartAttributes(tool),
      );
      setContent(spans.get(tool), sc.INPUT_VALUE, privacy.content("tool.input", tool.input));
    },

    toolEnd(tool) {
      const span = spans.get(tool);
      span?.setAttributes(toolEndAttributes(tool));
      const output = tool.output;
      if (output) setContent(span, sc.OUTPUT_VALUE, privacy.content("tool.output", output));
      // A tool's error text often quotes its input or output, so it is content too.
      const error = tool.error;
      const detail = error ? privacy.content("tool.output", () => error) : undefined;
      if (detail && span) span.setAttribute(sc.TOOL_ERROR, detail);
      const status = error === "aborted" ? "aborted" : (detail ?? "tool failed");
      end(tool, tool.endTime, undefined, tool.success ? undefined : status);
    },
  };
}
