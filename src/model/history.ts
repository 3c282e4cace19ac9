import type { Fact } from "../facts.js";
import type { SessionRec } from "./records.js";

/**
 * A resumed session's stored history: what earlier processes did, so that turn numbers and
 * totals continue. Messages this process saw itself (the read may answer after the first prompt
 * arrived) are left out by id: opencode's ids sort by creation time. Compaction requests and
 * the messages the host writes itself are no turns, as they are not live.
 */
export function applyHistory(session: SessionRec, fact: Extract<Fact, { kind: "history" }>): void {
  const cutoff = session.firstMessageId;
  let turns = 0;
  let messages = 0;
  let lastPrompt: string | undefined;
  let lastTokens: number | undefined;
  let added = 0;
  let removed = 0;
  for (const message of fact.messages) {
    if (cutoff !== undefined && message.id >= cutoff) break;
    if (message.kind === "prompt") {
      turns += 1;
      lastPrompt = message.id;
      added += message.lines?.additions ?? 0;
      removed += message.lines?.deletions ?? 0;
    } else if (message.kind === "assistant" && message.completed) {
      messages += 1;
      lastTokens = message.tokens;
    }
  }
  session.priorTurns = turns;
  session.priorMessages = messages;
  session.priorPromptId = lastPrompt;
  session.lastCallTokens ??= lastTokens;
  session.lines.added += added;
  session.lines.removed += removed;
  if (!session.diff && fact.diff) session.diffBase = fact.diff;
  // A turn already open got its number before the history came.
  if (session.turn) session.turn.index = turns + session.turns;
}
