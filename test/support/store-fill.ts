import { FIXTURES, loadFixture } from "./fixtures.js";
import { replay, TEST_ENV } from "./replay.js";

/**
 * Fills a store the way opencode would: every capture replayed through the real plugin with its
 * local exporter (content capture on by default, so span details have something to show; off,
 * it is the plugin's default privacy), each capture in its own project folder.
 */
export async function fillStore(
  path: string,
  fixtures: readonly string[] = FIXTURES,
  { content = true }: { content?: boolean } = {},
): Promise<void> {
  const capture = content
    ? {
        OPENCODE_OTEL_CAPTURE_CONTENT: "1",
        OTEL_LOG_TOOL_DETAILS: "1",
        OTEL_LOG_USER_PROMPTS: "1",
      }
    : {};
  for (const name of fixtures) {
    await replay(loadFixture(name), {
      env: {
        ...TEST_ENV,
        OPENCODE_OTLP_PROTOCOL: "local",
        OPENCODE_OTEL_STORE: path,
        ...capture,
      },
      directory: `/home/dev/projects/${name.replace(/^[a-z0-9]+_/, "")}`,
    });
  }
}
