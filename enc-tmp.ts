import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { encodeTraces } from "./src/delivery/protobuf/traces.ts";
import { createTracer } from "./src/sdk/tracer.ts";
import { createResource, SCOPE } from "./src/sdk/resource.ts";
import { SessionIdGenerator } from "./src/sdk/ids.ts";
const ended: any[] = [];
const tracer = createTracer({ resource: createResource({ "service.name": "opencode" }), scope: SCOPE, ids: new SessionIdGenerator(), limits: { valueLength: 4096, count: 128 }, onEnd: (s) => ended.push(s) });
for (let i = 0; i < 8; i++) {
  const s = tracer.startSpan("opencode.llm", { kind: 2, startTime: Date.now(), attributes: { "session.id": "ses_abcdefghijkl", "gen_ai.request.model": "claude", "gen_ai.usage.input_tokens": 1234, "llm.x": "y".repeat(20), "a1": 1, "a2": true, "a3": "zzz", "openinference.span.kind": "LLM", "gen_ai.provider.name": "anthropic", "gen_ai.operation.name": "chat" } });
  s.setAttributes({ "gen_ai.response.finish_reasons": ["stop"], "out": 55, "gen_ai.usage.output_tokens": 99 });
  s.end(Date.now());
}
const a = encodeTraces(ended), b = ProtobufTraceSerializer.serializeRequest(ended)!;
console.log("equal", Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0, a.length);
for (const [name, f] of [["mine", () => encodeTraces(ended)], ["sdk", () => ProtobufTraceSerializer.serializeRequest(ended)]] as const) {
  for (let round = 0; round < 3; round++) { const t = performance.now(); for (let i = 0; i < 2000; i++) f(); console.log(name, ((performance.now() - t) / 2000 * 1000).toFixed(1), "µs per request"); }
}
