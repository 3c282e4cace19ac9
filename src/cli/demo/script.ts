/** What the demo asks opencode, in the scripted model's marker language (`markers.ts`). */
export interface DemoTurn {
  readonly label: string;
  readonly message: string;
}

export const PROJECT_FILES: Readonly<Record<string, string>> = {
  "README.md": "# Demo project\n\nA throwaway project for `opencode-otel demo`.\n",
  "notes.md": "- measure token use\n- find slow tools\n- compare models\n",
};

export const DEMO_TURNS: readonly DemoTurn[] = [
  {
    label: "list files and read notes",
    message:
      "Look around this project. [[bash:ls -la]] [[read:notes.md]] [[say:It has a README and notes.]]",
  },
  {
    label: "retry, then delegate to a subagent",
    message:
      "Check the notes with a helper. [[fail:429x1]] " +
      "[[task:Count the lines of notes.md [[bash:wc -l notes.md]]]] [[say:The notes have 3 lines.]]",
  },
];
