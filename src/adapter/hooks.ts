import type { Fact } from "../facts.js";
import type { FactSink } from "./event.js";
import { id, isObj, obj, str } from "./read.js";

/**
 * `chat.message` fires once per user prompt (subagent prompts included), before the user
 * message's `message.updated`: it is where a turn starts. Text is read lazily, so with prompt
 * capture off the prompt is never even joined.
 */
export function adaptChatMessage(input: unknown, output: unknown, now: number, emit: FactSink) {
  const message = obj(obj(output)?.message);
  const sessionId = id(obj(input)?.sessionID) ?? id(message?.sessionID);
  const messageId = id(message?.id) ?? id(obj(input)?.messageID);
  if (!sessionId || !messageId) return;
  const parts = obj(output)?.parts;
  const texts: string[] = [];
  if (Array.isArray(parts)) {
    for (const part of parts) {
      if (isObj(part) && part.type === "text" && part.synthetic !== true) {
        const text = str(part.text);
        if (text !== undefined) texts.push(text);
      }
    }
  }
  let length = 0;
  for (const text of texts) length += text.length;
  const fact: Fact = {
    kind: "prompt",
    sessionId,
    time: now,
    messageId,
    source: "hook",
    agent: id(obj(input)?.agent) ?? id(message?.agent),
    modelId: id(obj(message?.model)?.modelID) ?? id(obj(obj(input)?.model)?.modelID),
    providerId: id(obj(message?.model)?.providerID) ?? id(obj(obj(input)?.model)?.providerID),
    length,
    text: () => texts.join("\n"),
  };
  emit(fact);
}
