/**
 * The demo model's script language, shared with the end-to-end suite's mock model: markers in
 * the prompt such as `[[bash:ls]]`, `[[read:notes.md]]`, `[[task:PROMPT]]` (nestable),
 * `[[fail:429x1]]` and `[[say:TEXT]]` decide each answer.
 */
export interface Marker {
  readonly name: string;
  readonly argument: string;
}

/** Top-level `[[name:argument]]` markers; the argument may contain balanced nested markers. */
export function parseMarkers(text: string): Marker[] {
  const markers: Marker[] = [];
  let index = text.indexOf("[[");
  while (index >= 0) {
    let depth = 0;
    let end = -1;
    for (let i = index; i < text.length - 1; i++) {
      if (text.startsWith("[[", i)) {
        depth++;
        i++;
      } else if (text.startsWith("]]", i)) {
        depth--;
        i++;
        if (depth === 0) {
          end = i - 1;
          break;
        }
      }
    }
    if (end < 0) break;
    const inner = text.slice(index + 2, end);
    const colon = inner.indexOf(":");
    markers.push(
      colon < 0
        ? { name: inner, argument: "" }
        : { name: inner.slice(0, colon), argument: inner.slice(colon + 1) },
    );
    index = text.indexOf("[[", end + 2);
  }
  return markers;
}

/**
 * Tool arguments per marker, in the shapes opencode 1.18's tool schemas ask for. `write` and
 * `edit` take `|`-separated fields (`[[write:a.txt|one\ntwo\n]]`, `[[edit:a.txt|old|new]]`), in
 * which a literal `\n` stands for a line break, so a one-line prompt can write several lines.
 */
export const TOOL_ARGS: Readonly<Record<string, (argument: string) => object>> = {
  bash: (command) => ({ command, description: "Run demo command" }),
  read: (filePath) => ({ filePath }),
  task: (prompt) => ({ description: "Demo subtask", prompt, subagent_type: "general" }),
  write: (argument) => {
    const [filePath = "", content = ""] = fields(argument, 2);
    return { filePath, content };
  },
  edit: (argument) => {
    const [filePath = "", oldString = "", newString = ""] = fields(argument, 3);
    return { filePath, oldString, newString };
  },
};

/** `a|b|c` split into at most `count` fields (the last keeps any further `|`), `\n` unescaped. */
function fields(argument: string, count: number): string[] {
  const parts = argument.split("|");
  const head = parts.slice(0, count - 1);
  const rest = parts.slice(count - 1).join("|");
  return [...head, rest].map((field) => field.replaceAll("\\n", "\n"));
}

/** One chat message of an OpenAI-style request, as far as the scripted models read it. */
export interface ChatMessage {
  readonly role?: string;
  readonly content?: unknown;
}

/** Plain text of a message whose content is a string or an array of text parts. */
export function textOf(message: ChatMessage | undefined): string {
  const content = message?.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: unknown) =>
      typeof part === "object" && part !== null && "text" in part ? String(part.text) : "",
    )
    .join("");
}
