/**
 * A scripted OpenAI-compatible model on 127.0.0.1 for driving real opencode in tests.
 *
 * `POST /v1/chat/completions` always streams (opencode asks for `stream: true` with
 * `stream_options.include_usage`). What it answers is decided by markers in the text of the last
 * user message, so a test scripts a whole turn in its prompt:
 *
 * | marker                      | answer                                                      |
 * |-----------------------------|-------------------------------------------------------------|
 * | `[[bash:echo hi]]`          | a `bash` tool call running `echo hi`                        |
 * | `[[read:notes.txt]]`        | a `read` tool call for `notes.txt` (relative to the project) |
 * | `[[task:PROMPT]]`           | a `task` tool call (`general` subagent) with PROMPT; markers nest: `[[task:go [[bash:ls]]]]` |
 * | `[[fail:500]]`              | HTTP 500 to every attempt (`fail:400`, `fail:429`, ...)    |
 * | `[[fail:429x1]]`            | HTTP 429 to the first attempt only, then a normal answer   |
 * | `[[slow]]`                  | text streamed slowly (one chunk per 250 ms, about 30 s)     |
 * | `[[cut]]`                   | a few text chunks, then the connection is destroyed         |
 * | `[[say:TEXT]]`              | TEXT as the final answer (after any tool calls)             |
 * | `[[context:N]]`             | the prompt's first answer reports N prompt tokens (a context that overflows the model's limit makes opencode compact the session) |
 * | none                        | a short text answer                                         |
 *
 * Several tool markers run one per step, in order; once the last message is the result of the
 * last one, the answer is a final text message. opencode's title
 * requests (system prompt "You are a title generator") get a plain title whatever the markers,
 * and a request that offers no tools (a compaction's summary) a plain text answer.
 *
 * Every answer ends with the same usage: 120 prompt tokens of which 20 cached, 30 completion
 * tokens (opencode then records input 100, cache read 20, output 30), so tests can compute totals.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type ChatMessage,
  parseMarkers,
  TOOL_ARGS,
  textOf,
} from "../../../src/cli/demo/markers.js";

/** Usage reported at the end of every answer. */
export const USAGE = { prompt: 120, cached: 20, completion: 30 } as const;
/** Tokens one LLM step adds to opencode's totals: input + output + cache read. */
export const TOKENS_PER_STEP = USAGE.prompt + USAGE.completion;

/** What the mock saw: one entry per HTTP request, in arrival order. */
export interface MockRequest {
  readonly kind: "title" | "chat";
  /** Text of the last user message (empty for a tool-result round). */
  readonly prompt: string;
  /** Role of the last message: `user` or `tool`. */
  readonly lastRole: string;
  readonly status: number;
  /** Tool names offered in the request. */
  readonly tools: readonly string[];
}

export interface MockModel {
  /** Base URL for the provider's `baseURL` option, ending in `/v1`. */
  readonly url: string;
  readonly requests: readonly MockRequest[];
  close(): Promise<void>;
}

interface ChatRequest {
  messages?: ChatMessage[];
  tools?: { function?: { name?: string } }[];
}

/** A parsed `[[name:argument]]` marker. */

/** Starts the mock on a random port. Call `close()` when done. */
export async function startMockModel(): Promise<MockModel> {
  const requests: MockRequest[] = [];
  /** Attempts seen per prompt, so `[[fail:429x1]]` can fail only the first one. */
  const attempts = new Map<string, number>();
  const open = new Set<ServerResponse>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(await readBody(req)) as ChatRequest;
    const messages = body.messages ?? [];
    const last = messages.at(-1);
    const lastRole = last?.role ?? "";
    const prompt = textOf([...messages].reverse().find((m) => m.role === "user"));
    const title = textOf(messages.find((m) => m.role === "system")).includes(
      "You are a title generator",
    );
    const tools = (body.tools ?? []).map((tool) => tool.function?.name ?? "");
    const record = (status: number) =>
      requests.push({ kind: title ? "title" : "chat", prompt, lastRole, status, tools });

    const context = parseMarkers(prompt).find((m) => m.name === "context");
    const overflow =
      context && tools.length > 0 && lastRole === "user" && !attempts.has(`context:${prompt}`);
    if (overflow) attempts.set(`context:${prompt}`, 1);
    const sse = startStream(
      res,
      overflow
        ? { prompt: Number(context.argument), cached: 0, completion: USAGE.completion }
        : USAGE,
    );
    if (title) {
      record(200);
      return sse.text(["Mock session title"]);
    }
    // A request that offers no tools cannot be answered with a call: opencode's compaction sends
    // the whole conversation (markers included) as one user message, with no tools.
    const markers = tools.length === 0 ? [] : parseMarkers(prompt);
    const say = markers.find((m) => m.name === "say")?.argument;
    // Tool markers run one per step, in order: the number of tool results since the prompt says
    // which one is next; once all have run, a final text message closes the turn.
    if (lastRole === "tool") {
      const done = messages
        .slice(messages.findLastIndex((m) => m.role === "user"))
        .filter((m) => m.role === "tool").length;
      const next = markers.filter((m) => m.name in TOOL_ARGS)[done];
      record(200);
      if (next) return sse.toolCall(next.name, TOOL_ARGS[next.name]?.(next.argument) ?? {});
      return sse.text(["Tool finished. ", say ?? "All done."]);
    }
    // Retries repeat the same prompt: count attempts per prompt for `x1`-style limits.
    const attempt = (attempts.get(prompt) ?? 0) + 1;
    attempts.set(prompt, attempt);
    const fail = markers.find((m) => m.name === "fail");
    if (fail) {
      const [status = 500, times = Number.POSITIVE_INFINITY] = fail.argument.split("x").map(Number);
      if (attempt <= times) {
        record(status);
        // retry-after-ms keeps opencode's retries fast (its own backoff starts at 2 s).
        res.writeHead(status, { "content-type": "application/json", "retry-after-ms": "50" });
        res.end(
          JSON.stringify({
            error: { message: `mock failure ${status}`, type: "mock_error", code: status },
          }),
        );
        return;
      }
    }
    record(200);
    const tool = markers.find((m) => m.name in TOOL_ARGS);
    if (tool) return sse.toolCall(tool.name, TOOL_ARGS[tool.name]?.(tool.argument) ?? {});
    if (markers.some((m) => m.name === "slow"))
      return sse.text(
        Array.from({ length: 120 }, (_, i) => `word${i} `),
        250,
      );
    const cut = markers.find((m) => m.name === "cut");
    if (cut && attempt <= Number(cut.argument || Number.POSITIVE_INFINITY))
      return sse.cut(["partial ", "answer "]);
    return sse.text(["Hello ", "from the ", say ?? "mock model."]);
  }

  /** One streaming answer: role chunk, content or tool-call chunks, finish, usage, [DONE]. */
  function startStream(
    res: ServerResponse,
    usage: { readonly prompt: number; readonly cached: number; readonly completion: number },
  ) {
    const id = `chatcmpl-${requests.length}`;
    const chunk = (choices: unknown[], extra: object = {}) => {
      if (res.destroyed) return;
      const payload = { id, object: "chat.completion.chunk", created: 0, model: "mock-model" };
      res.write(`data: ${JSON.stringify({ ...payload, choices, ...extra })}\n\n`);
    };
    const begin = () => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      open.add(res);
      res.on("close", () => open.delete(res));
      chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
    };
    const finish = (reason: string) => {
      chunk([{ index: 0, delta: {}, finish_reason: reason }]);
      chunk([], {
        usage: {
          prompt_tokens: usage.prompt,
          completion_tokens: usage.completion,
          total_tokens: usage.prompt + usage.completion,
          prompt_tokens_details: { cached_tokens: usage.cached },
        },
      });
      if (!res.destroyed) res.end("data: [DONE]\n\n");
    };
    return {
      async text(pieces: string[], delayMs = 0) {
        begin();
        for (const piece of pieces) {
          if (delayMs > 0) await sleep(delayMs);
          if (res.destroyed) return; // opencode aborted the stream
          chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
        }
        finish("stop");
      },
      async toolCall(name: string, args: object) {
        begin();
        const call = { id: `call_${requests.length}`, type: "function" };
        const fn = { name, arguments: JSON.stringify(args) };
        chunk([{ index: 0, delta: { tool_calls: [{ index: 0, ...call, function: fn }] } }]);
        finish("tool_calls");
      },
      async cut(pieces: string[]) {
        begin();
        for (const piece of pieces) chunk([{ index: 0, delta: { content: piece } }]);
        await sleep(50);
        res.destroy();
      },
    };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      data += chunk;
    });
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
