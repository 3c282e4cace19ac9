import {
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
import { type SessionIdGenerator, traceIdForSession } from "../sdk/ids.js";
import * as sc from "../semconv.js";
import {
  compactionEndAttributes,
  compactionStartAttributes,
  errorType,
  llmEndAttributes,
  llmStartAttributes,
  sessionEndAttributes,
  sessionStartAttributes,
  toolEndAttributes,
  toolStartAttributes,
  turnEndAttributes,
  turnStartAttributes,
} from "./span-attributes.js";

export interface SpanEmitterOptions {
  readonly tracer: Tracer;
  readonly ids: SessionIdGenerator;
  readonly privacy: Privacy;
  /** Span name prefix, `opencode.` by default. */
  readonly prefix: string;
  /** Extra attributes for every span (`OPENCODE_SPAN_ATTRIBUTES`). */
  readonly extraAttributes: Readonly<Record<string, string>>;
  /** W3C parent for root sessions (`OPENCODE_TRACEPARENT`). */
  readonly remoteParent: SpanContext | undefined;
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

/** The traces signal: one span per session segment, turn, LLM call and tool call. */
export function createSpanEmitter(options: SpanEmitterOptions): SpanEmitter {
  const { tracer, ids, privacy, prefix, extraAttributes } = options;
  const hasExtra = Object.keys(extraAttributes).length > 0;
  // Span handles hang off the model's records; when the model drops a record, they go too.
  const spans = new WeakMap<object, Span>();

  function start(
    record: object,
    name: string,
    parent: Context,
    kind: SpanKind,
    startTime: number,
    attributes: Parameters<Span["setAttributes"]>[0],
  ): void {
    const all = hasExtra ? { ...extraAttributes, ...attributes } : attributes;
    const span = tracer.startSpan(name, { kind, startTime, attributes: all }, parent);
    spans.set(record, span);
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

  function sessionParent(session: SessionRec): Context {
    const nested =
      contextOf(session.parentTool) ??
      contextOf(session.parentTurn) ??
      contextOf(session.parentSession);
    if (nested) return nested;
    if (!session.parentId && options.remoteParent)
      return trace.setSpanContext(ROOT_CONTEXT, options.remoteParent);
    // A root span: its trace id comes from the session id (a subagent whose parent this process
    // never saw joins its parent's trace, for the same reason).
    ids.next = traceIdForSession(session.parentId ?? session.id);
    return ROOT_CONTEXT;
  }

  function setContent(span: Span | undefined, key: string, value: string | undefined): void {
    if (span && value !== undefined) span.setAttribute(key, value);
  }

  return {
    contextOf,

    spanIdsOf(record) {
      const context = spans.get(record)?.spanContext();
      if (!context || (context.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
      return { traceId: context.traceId, spanId: context.spanId };
    },

    sessionStart(session) {
      start(
        session,
        `${prefix}session`,
        sessionParent(session),
        SpanKind.INTERNAL,
        session.startTime,
        sessionStartAttributes(session),
      );
      ids.next = undefined;
    },

    sessionEnd(session) {
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
      start(
        turn,
        `${prefix}turn`,
        contextOf(turn.session) ?? ROOT_CONTEXT,
        SpanKind.INTERNAL,
        turn.startTime,
        turnStartAttributes(turn),
      );
      const text = turn.promptText;
      if (text) setContent(spans.get(turn), sc.INPUT_VALUE, privacy.content("prompt", text));
    },

    turnEnd(turn: TurnRec) {
      spans.get(turn)?.setAttributes(turnEndAttributes(turn));
      const failed = turn.incomplete ? "turn did not complete" : undefined;
      end(turn, turn.endTime, turn.error, failed);
    },

    compactionStart(compaction) {
      start(
        compaction,
        `${prefix}compaction`,
        contextOf(compaction.session) ?? ROOT_CONTEXT,
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
        contextOf(llm.turn) ?? ROOT_CONTEXT,
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
        contextOf(tool.turn) ?? ROOT_CONTEXT,
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
