import type { Fact } from "../facts.js";
import { type LineGroup, largest, summaryGroups, takeIncreases, toolGroups } from "./lines.js";
import type { LinesChange, SessionRec, TurnRec } from "./records.js";

/** Ended turns kept for their message summary's late re-sends (opencode re-diffs after a step). */
const SETTLED_TURNS = 4;

export interface LineLedgerOptions {
  readonly report: (change: LinesChange) => void;
  /** The session is a subagent whose parent's turn counts its lines (see the session model). */
  readonly countedByParent: (session: SessionRec) => boolean;
}

/**
 * Decides which lines a turn changed and reports each line once, whatever the host re-sends:
 * - where the host snapshots the worktree (a step with a `snapshot`: git), the prompt's message
 *   summary counts them, when the turn ends, and a summary re-sent later adds only what it adds;
 * - elsewhere the edit tools' own counts do, when the turn ends;
 * - hosts that report one cumulative `session.diff` count its growth instead.
 * Only prompts this process ran are counted: a resumed process sees old summaries re-sent.
 */
export class LineLedger {
  constructor(private readonly options: LineLedgerOptions) {}

  step(session: SessionRec, fact: Extract<Fact, { kind: "step" }>): void {
    if (!fact.snapshot) return;
    session.snapshots = true;
    const turn = session.llms.get(fact.messageId)?.turn ?? session.turn;
    if (!turn) return;
    turn.snapshot = true;
    if (fact.changed.length > 0) turn.summaryStale = true;
  }

  summary(session: SessionRec, fact: Extract<Fact, { kind: "summary" }>): void {
    const open = session.turn;
    if (open?.kind === "prompt" && open.messageIds.has(fact.messageId)) {
      open.summaries.set(fact.messageId, fact.files);
      open.summaryStale = false;
      return;
    }
    const settled = session.settled.find((turn) => turn.messageIds.has(fact.messageId));
    if (!settled?.snapshot || this.options.countedByParent(session)) return;
    settled.summaries.set(fact.messageId, fact.files);
    this.report(session, settled, takeIncreases(settled, summaryGroups(settled)), "summary");
  }

  /** A prompt turn has ended: its lines, as far as the host has said. */
  settle(session: SessionRec, turn: TurnRec): void {
    if (turn.kind !== "prompt" || turn.promptId === undefined) return;
    if (turn.snapshot || session.snapshots) {
      turn.snapshot = true;
      // Only a snapshotting turn's late summaries count (`summary` above), so only such a turn
      // is kept: an idle session elsewhere holds no ended turn.
      session.settled.push(turn);
      if (session.settled.length > SETTLED_TURNS) session.settled.shift();
      if (this.options.countedByParent(session)) return;
      // The summary of the last edits did not come (the turn ended right after them): the
      // tools' own counts stand in where they say more, until it comes.
      const summarized = turn.summaries.size > 0;
      const groups = !summarized
        ? toolGroups(turn)
        : turn.summaryStale
          ? largest(summaryGroups(turn), toolGroups(turn))
          : summaryGroups(turn);
      this.report(session, turn, takeIncreases(turn, groups), summarized ? "summary" : "tool");
      return;
    }
    if (session.diffLines) return;
    const increases = takeIncreases(turn, toolGroups(turn));
    for (const group of increases) {
      session.toolLines.added += group.added;
      session.toolLines.removed += group.removed;
    }
    this.report(session, turn, increases, "tool");
  }

  /** Hosts that report lines as one cumulative diff per session (opencode 1.18.33 sends `[]`). */
  diff(session: SessionRec, fact: Extract<Fact, { kind: "session.diff" }>): void {
    if (session.snapshots) return;
    // A resumed session starts from the diff read with its history, else from the first one
    // seen (which then loses that process's first edits).
    let previous = session.diff ?? session.diffBase;
    if (!previous) previous = session.resumed ? fact : { additions: 0, deletions: 0 };
    session.diff = { additions: fact.additions, deletions: fact.deletions };
    if (!session.diffLines && (fact.additions > 0 || fact.deletions > 0)) {
      session.diffLines = true;
      // Lines already counted from edit tools are inside this first cumulative diff.
      previous = {
        additions: previous.additions + session.toolLines.added,
        deletions: previous.deletions + session.toolLines.removed,
      };
    }
    // Cumulative counts can shrink (a revert); only growth is new work.
    const added = Math.max(0, fact.additions - previous.additions);
    const removed = Math.max(0, fact.deletions - previous.deletions);
    if (added === 0 && removed === 0) return;
    this.report(session, session.turn, [{ tool: undefined, added, removed }], "session.diff");
    session.lines.added = Math.max(session.lines.added, fact.additions);
    session.lines.removed = Math.max(session.lines.removed, fact.deletions);
  }

  private report(
    session: SessionRec,
    turn: TurnRec | undefined,
    groups: readonly LineGroup[],
    source: LinesChange["source"],
  ): void {
    for (const group of groups) {
      session.lines.added += group.added;
      session.lines.removed += group.removed;
      this.options.report({
        session,
        turn,
        added: group.added,
        removed: group.removed,
        modelId: turn?.modelId,
        providerId: turn?.providerId,
        agent: turn?.agent ?? session.agent,
        tool: group.tool,
        source,
      });
    }
  }
}
