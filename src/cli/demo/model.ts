/**
 * A scripted OpenAI-compatible model on 127.0.0.1, so the demo runs real opencode offline and
 * without an API key. `POST /v1/chat/completions` streams (as opencode asks) an answer chosen by
 * the markers in the last user message (`markers.ts`): one tool call per step, in order, then a
 * final text. Every answer reports the same usage (120 prompt tokens of which 20 cached, 30
 * completion tokens), so the demo's numbers are predictable. Stops with `close()`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type ChatMessage, parseMarkers, TOOL_ARGS, textOf } from "./markers.js";

export const USAGE = { prompt: 120, cached: 20, completion: 30 } as const;

export interface ScriptedModel {
  /** Base URL for the provider's `baseURL` option, ending in `/v1`. */
  readonly url: string;
  /** Chat requests answered so far. */
  readonly calls: number;
  close(): Promise<void>;
}

function messagesOf(body: unknown): ChatMessage[] {
  if (typeof body !== "object" || body === null || !("messages" in body)) return [];
  return Array.isArray(body.messages) ? body.messages : [];
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let data = "";
  for await (const chunk of req) data += chunk;
  return JSON.parse(data);
}

/** Writes one streamed answer: role chunk, text or a tool call, finish reason, usage. */
function stream(
  res: ServerResponse,
  id: string,
  answer: { text: string } | { tool: string; args: object },
) {
  const chunk = (choices: unknown[], extra: object = {}) =>
    res.write(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: "demo-model", choices, ...extra })}\n\n`,
    );
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
  if ("text" in answer) {
    for (const piece of answer.text.split(/(?<= )/)) {
      chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
    }
  } else {
    const call = { index: 0, id: `call_${id}`, type: "function" };
    const fn = { name: answer.tool, arguments: JSON.stringify(answer.args) };
    chunk([{ index: 0, delta: { tool_calls: [{ ...call, function: fn }] } }]);
  }
  chunk([{ index: 0, delta: {}, finish_reason: "text" in answer ? "stop" : "tool_calls" }]);
  const usage = {
    prompt_tokens: USAGE.prompt,
    completion_tokens: USAGE.completion,
    total_tokens: USAGE.prompt + USAGE.completion,
    prompt_tokens_details: { cached_tokens: USAGE.cached },
  };
  chunk([], { usage });
  res.end("data: [DONE]\n\n");
}

export async function startScriptedModel(): Promise<ScriptedModel> {
  let calls = 0;
  /** Attempts per prompt, so `[[fail:429x1]]` fails only the first. */
  const attempts = new Map<string, number>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    const messages = messagesOf(await readJson(req));
    const id = `demo-${++calls}`;
    if (textOf(messages.find((m) => m.role === "system")).includes("You are a title generator")) {
      return stream(res, id, { text: "Demo session" });
    }
    const prompt = textOf([...messages].reverse().find((m) => m.role === "user"));
    const markers = parseMarkers(prompt);
    const tools = markers.filter((m) => m.name in TOOL_ARGS);
    const say = markers.find((m) => m.name === "say")?.argument ?? "Done.";
    if (messages.at(-1)?.role === "tool") {
      // Tool results since the prompt say which tool marker comes next.
      const done = messages
        .slice(messages.findLastIndex((m) => m.role === "user"))
        .filter((m) => m.role === "tool").length;
      const next = tools[done];
      if (!next) return stream(res, id, { text: say });
      return stream(res, id, {
        tool: next.name,
        args: TOOL_ARGS[next.name]?.(next.argument) ?? {},
      });
    }
    const attempt = (attempts.get(prompt) ?? 0) + 1;
    attempts.set(prompt, attempt);
    const fail = markers.find((m) => m.name === "fail");
    const [status = 500, times = Number.POSITIVE_INFINITY] = (fail?.argument ?? "")
      .split("x")
      .map(Number);
    if (fail && attempt <= times) {
      // retry-after-ms keeps opencode's retry quick (its own backoff starts at 2 s).
      res.writeHead(status, { "content-type": "application/json", "retry-after-ms": "50" });
      res.end(JSON.stringify({ error: { message: `scripted failure ${status}`, code: status } }));
      return;
    }
    const first = tools[0];
    if (!first) return stream(res, id, { text: say });
    return stream(res, id, {
      tool: first.name,
      args: TOOL_ARGS[first.name]?.(first.argument) ?? {},
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get calls() {
      return calls;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
