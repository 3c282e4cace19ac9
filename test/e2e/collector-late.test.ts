/**
 * The collector is down when opencode starts and comes up while it runs: opencode must not wait
 * for it, and the session must still arrive once it is up (turn-end flush, then dispose).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { TOKENS_PER_STEP, USAGE } from "./support/mock-model.js";
import { createProject, freePort } from "./support/opencode.js";
import { type Serve, startServe } from "./support/serve.js";
import { type Suite, startSuite, telemetryEnv } from "./support/suite.js";
import { type Forwarder, forwardPort } from "./support/tcp-forward.js";
import {
  counterTotal,
  expectChildrenOf,
  expectWellFormedTrace,
  PROCESS_ATTRIBUTE,
  sessionTelemetry,
  settled,
  turnIndex,
} from "./support/telemetry.js";

let suite: Suite;
let serve: Serve | undefined;
let collector: Forwarder | undefined;
beforeAll(async () => {
  suite = await startSuite();
});
afterAll(async () => {
  await serve?.stop();
  await collector?.close();
  await suite?.close();
});

test("collector down at startup, up later: opencode does not wait and the session still arrives", async () => {
  const { receiver } = suite;
  const label = "collector-late";
  const port = await freePort(); // nothing listens here until the "collector" starts
  serve = await startServe({
    project: createProject(label),
    env: telemetryEnv({
      receiver,
      protocol: "http/protobuf",
      label,
      endpoint: `http://127.0.0.1:${port}`,
    }),
  });
  const api = serve;
  const id = await api.createSession();
  // The turn-end flush is refused; the prompt must not wait for it. A prompt that waited would
  // sit through the outbox's retry schedule (1, 2, 4, 8, 15 s...); the bound leaves room for a
  // loaded 2-core CI machine, where this two-step prompt alone has taken 13 s.
  const started = Date.now();
  await api.prompt(id, "while the collector is down [[bash:echo down]]");
  expect(Date.now() - started).toBeLessThan(25_000);
  expect(receiver.requestLog).toHaveLength(0);

  collector = await forwardPort(port, receiver.httpUrl);
  await api.prompt(id, "collector is up now");
  await receiver.waitFor(() => sessionTelemetry(receiver, id).turns.length > 0, 15_000);
  await api.disposeInstance();
  await receiver.waitFor(() => sessionTelemetry(receiver, id).sessions.length > 0, 15_000);

  const t = sessionTelemetry(receiver, id);
  expectWellFormedTrace(t.spans);
  expect(t.sessions).toHaveLength(1);
  const [session] = t.sessions;
  if (!session) return;
  expect(session.attributes).toMatchObject({
    "session.end_reason": "shutdown",
    "session.total_turns": 2,
    "session.total_tokens": 3 * TOKENS_PER_STEP,
  });
  // The first turn's refused export is retried by the exporter; the collector is back well
  // within its retry window, so both turns arrive, each under the session span.
  expect(t.turns.map(turnIndex)).toEqual([1, 2]);
  expectChildrenOf(session, t.turns);
  expect(t.tools.map((span) => span.name)).toEqual(["opencode.tool.bash"]);
  for (const turn of t.turns) expect(turn.status.code).not.toBe("error");
  // Cumulative metrics lose nothing either (they go out on dispose).
  const inputTokens = () =>
    counterTotal(
      receiver.metrics.filter((p) => p.resource[PROCESS_ATTRIBUTE] === label),
      "opencode.token.usage",
      (p) => p.attributes.type === "input",
    );
  const expected = 3 * (USAGE.prompt - USAGE.cached);
  expect(await settled(inputTokens, expected)).toBe(expected);
  expect(receiver.errors).toEqual([]);
}, 90_000);
