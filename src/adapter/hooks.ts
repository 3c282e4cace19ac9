import type { Fact } from "../facts.js";
import type { FactSink } from "./event.js";
import { id, isObj, type Obj, obj, str } from "./read.js";

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
    model: modelOf(obj(message?.model) ?? obj(obj(input)?.model)),
    length,
    text: () => texts.join("\n"),
  };
  emit(fact);
}

/** `providerID/modelID`, the form the established opencode plugin reports on `user_prompt`. */
function modelOf(model: Obj | undefined): string | undefined {
  const provider = id(model?.providerID);
  const modelId = id(model?.modelID);
  return provider && modelId ? `${provider}/${modelId}` : undefined;
}
