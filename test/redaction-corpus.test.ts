/**
 * Redaction recall and false positives on the corpus in `test/data/secrets-corpus/`: realistic
 * secrets in the documented formats of real credentials, and benign look-alikes. Prints both
 * figures and every miss; fails below 95% recall or above 2% false positives.
 */
import { describe, expect, test } from "bun:test";
import { createRedactor } from "../src/privacy/redact.js";
import { loadNegatives, loadPositives, masked } from "./support/secrets-corpus.js";

const RECALL_FLOOR = 0.95;
const FALSE_POSITIVE_CEILING = 0.02;

describe("redaction on the secrets corpus", () => {
  const redact = createRedactor({});
  const positives = loadPositives();
  const negatives = loadNegatives();

  test("masks at least 95% of the secrets and changes at most 2% of the look-alikes", () => {
    const missed = positives.filter((p) => !masked(p, redact(p.text)));
    const changed = negatives.filter((n) => redact(n.text) !== n.text);
    const recall = 1 - missed.length / positives.length;
    const falsePositives = changed.length / negatives.length;
    const lines = [
      `redaction corpus: recall ${(recall * 100).toFixed(1)}% (${positives.length - missed.length}/${positives.length} secrets masked), ` +
        `false positives ${(falsePositives * 100).toFixed(1)}% (${changed.length}/${negatives.length} look-alikes changed)`,
      ...missed.map((p) => `  missed ${p.format}: ${JSON.stringify(redact(p.text)).slice(0, 160)}`),
      ...changed.map((n) => `  changed ${n.kind}: ${JSON.stringify(redact(n.text)).slice(0, 160)}`),
    ];
    process.stderr.write(`${lines.join("\n")}\n`);
    expect(positives.length).toBeGreaterThanOrEqual(100);
    expect(negatives.length).toBeGreaterThanOrEqual(80);
    expect(recall).toBeGreaterThanOrEqual(RECALL_FLOOR);
    expect(falsePositives).toBeLessThanOrEqual(FALSE_POSITIVE_CEILING);
  });

  test("keeps its recall when the text arrives as serialized JSON (tool output, arguments)", () => {
    const escaped = (text: string) => JSON.stringify(text).slice(1, -1);
    const missed = positives.filter((p) => {
      const json = JSON.stringify({ output: `first line\n${p.text}\nlast line` });
      return !masked({ ...p, text: escaped(p.text), secret: escaped(p.secret) }, redact(json));
    });
    const changed = negatives.filter((n) => {
      const json = JSON.stringify({ output: n.text });
      return redact(json) !== json;
    });
    const recall = 1 - missed.length / positives.length;
    process.stderr.write(
      `redaction corpus as JSON: recall ${(recall * 100).toFixed(1)}%, false positives ` +
        `${((changed.length / negatives.length) * 100).toFixed(1)}%\n` +
        missed.map((p) => `  missed ${p.format}\n`).join("") +
        changed.map((n) => `  changed ${n.kind}\n`).join(""),
    );
    expect(recall).toBeGreaterThanOrEqual(RECALL_FLOOR);
    expect(changed.length / negatives.length).toBeLessThanOrEqual(FALSE_POSITIVE_CEILING);
  });

  test("every positive names its format and where that format is documented", () => {
    for (const p of positives) {
      expect(p.format).toMatch(/^[a-z0-9-]+$/);
      expect(p.source.length).toBeGreaterThan(3);
      expect(p.secret.length).toBeGreaterThanOrEqual(6);
    }
  });
});
