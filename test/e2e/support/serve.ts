/**
 * A running `opencode serve`, driven over its HTTP API. Routes and shapes come from the
 * `@opencode-ai/sdk` v2 client that opencode 1.18.33 ships (`dist/v2/gen/sdk.gen.js`).
 */
import { collect, freePort, sleep, spawnOpencode } from "./opencode.js";

/** A message as the server API returns it (`GET /session/:id/message`), as far as tests read it. */
export interface ApiMessage {
  info: {
    id: string;
    role: string;
    error?: { name?: string; data?: { statusCode?: number } };
    finish?: string;
    /** `true` on a compaction's summary message. */
    summary?: unknown;
    cost?: number;
    tokens?: {
      input: number;
      output: number;
      reasoning: number;
      cache: { read: number; write: number };
    };
  };
  parts: { type: string; tool?: string; state?: { status?: string } }[];
}

/** A pending permission request (`GET /permission`), as far as tests read it. */
export interface PendingPermission {
  readonly id: string;
  readonly sessionID: string;
  readonly permission: string;
  readonly patterns?: readonly string[];
  readonly tool?: { readonly messageID: string; readonly callID: string };
}

export interface Serve {
  readonly url: string;
  readonly output: { stdout: string; stderr: string };
  /** `POST /session`: a new session's id. */
  createSession(): Promise<string>;
  /** `POST /session/:id/message`: resolves when the turn is over, with the last message. */
  prompt(sessionId: string, text: string): Promise<ApiMessage>;
  /** `POST /session/:id/prompt_async`: returns as soon as the prompt is accepted. */
  promptAsync(sessionId: string, text: string): Promise<void>;
  /** `POST /session/:id/abort`. */
  abort(sessionId: string): Promise<void>;
  /** `POST /session/:id/summarize`: a compaction with the mock model; resolves when it is done. */
  summarize(sessionId: string): Promise<void>;
  /** `DELETE /session/:id` (opencode deletes the session's children with it). */
  deleteSession(sessionId: string): Promise<void>;
  /** `GET /session/:id/message`. */
  messages(sessionId: string): Promise<ApiMessage[]>;
  /** Polls `GET /session/status` until the session is idle. */
  waitIdle(sessionId: string, timeoutMs?: number): Promise<void>;
  /** `POST /instance/dispose`: opencode disposes plugins; the next request re-creates them. */
  disposeInstance(): Promise<void>;
  /** Polls `GET /permission` until the session has a pending request; its id and permission. */
  waitPermission(sessionId: string, timeoutMs?: number): Promise<PendingPermission>;
  /** `POST /permission/:requestID/reply`. */
  replyPermission(requestId: string, reply: "once" | "always" | "reject"): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

/** Starts `opencode serve` in `project` on a free port and waits until it answers. */
export async function startServe(options: {
  project: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<Serve> {
  const { project } = options;
  // `serve --port 0` still listens on 4096: pick a free port.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ["serve", "--hostname", "127.0.0.1", "--port", String(port)];
  const child = spawnOpencode(args, project, options.env);
  const output = collect(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  async function api<T>(
    method: string,
    path: string,
    request: { body?: unknown; timeoutMs?: number } = {},
  ): Promise<T> {
    const { body, timeoutMs = 60_000 } = request;
    const response = await fetch(`${url}${path}`, {
      method,
      // Every request names the project, as opencode's own clients do.
      headers: {
        "x-opencode-directory": encodeURIComponent(project),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      signal: AbortSignal.timeout(timeoutMs),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  const textPrompt = (text: string) => ({ body: { parts: [{ type: "text", text }] } });

  const serve: Serve = {
    url,
    output,
    async createSession() {
      const session = await api<{ id: string }>("POST", "/session", { body: {} });
      return session.id;
    },
    prompt: (id, text) => api<ApiMessage>("POST", `/session/${id}/message`, textPrompt(text)),
    async promptAsync(id, text) {
      await api("POST", `/session/${id}/prompt_async`, textPrompt(text));
    },
    async abort(id) {
      await api("POST", `/session/${id}/abort`);
    },
    async summarize(id) {
      await api("POST", `/session/${id}/summarize`, {
        body: { providerID: "mock", modelID: "mock-model" },
      });
    },
    async deleteSession(id) {
      await api("DELETE", `/session/${id}`);
    },
    messages: (id) => api<ApiMessage[]>("GET", `/session/${id}/message`),
    async waitIdle(id, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const statuses = await api<Record<string, { type: string }>>("GET", "/session/status");
        // Idle sessions are left out of the map.
        if ((statuses[id]?.type ?? "idle") === "idle") return;
        await sleep(100);
      }
      throw new Error(`session ${id} still busy after ${timeoutMs} ms`);
    },
    async disposeInstance() {
      await api("POST", "/instance/dispose");
    },
    async waitPermission(id, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const pending = await api<PendingPermission[]>("GET", "/permission");
        const request = pending.find((p) => p.sessionID === id);
        if (request) return request;
        await sleep(100);
      }
      throw new Error(`no permission request in ${id} after ${timeoutMs} ms`);
    },
    async replyPermission(requestId, reply) {
      await api("POST", `/permission/${requestId}/reply`, { body: { reply } });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`opencode serve exited with ${child.exitCode}: ${output.stderr}`);
    }
    try {
      // The first request starts the project's instance and loads plugins (cold: installs
      // @opencode-ai/plugin). opencode 1.18.33 never answers the request that started a cold
      // instance (seen: no answer in 60 s) but answers later ones, so attempts give up quickly.
      await api("GET", "/session", { timeoutMs: 3_000 });
      return serve;
    } catch {
      if (Date.now() > deadline) {
        await serve.stop();
        throw new Error(`opencode serve did not answer on ${url}: ${output.stderr}`);
      }
      await sleep(200);
    }
  }
}

/** Polls the session's messages until one of its tool calls is running. */
export async function waitForRunningTool(api: Serve, sessionId: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const parts = (await api.messages(sessionId)).flatMap((message) => message.parts);
    if (parts.some((part) => part.type === "tool" && part.state?.status === "running")) return;
    await sleep(100);
  }
  throw new Error(`no tool started running in ${sessionId}`);
}

/** opencode's own totals over a session's assistant messages. */
export function ownTotals(messages: readonly ApiMessage[]): { tokens: number; cost: number } {
  let tokens = 0;
  let cost = 0;
  for (const { info } of messages) {
    if (info.role !== "assistant") continue;
    const used = info.tokens;
    if (used) {
      tokens += used.input + used.output + used.reasoning + used.cache.read + used.cache.write;
    }
    cost += info.cost ?? 0;
  }
  return { tokens, cost };
}
