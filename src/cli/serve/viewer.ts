/**
 * The viewer on `serve`'s HTTP port: every path outside `/v1/` goes to it once the port is known
 * (the cookie is named after the port). Its token is its own, never the OTLP `--token`: a viewer
 * link shared with a teammate must not let them write into the store.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store } from "../../store/index.js";
import { messageOf } from "../errors.js";
import { createViewer, type Viewer } from "../ui/app.js";
import { loadAssets } from "../ui/assets.js";
import { newToken, viewerAuth } from "../ui/auth.js";
import { viewerUrl } from "../ui/server.js";

export function mountViewer(store: Store, onProblem: (message: string) => void) {
  let viewer: Viewer | undefined;
  return {
    handle(req: IncomingMessage, res: ServerResponse): void {
      if (viewer) viewer.handle(req, res);
      else res.writeHead(404).end();
    },
    /** Starts the viewer; its URL, or undefined (with the reason reported) when it cannot. */
    start({ host, origin }: { host: string; origin: string }): string | undefined {
      try {
        const token = newToken();
        const port = Number(new URL(origin).port);
        viewer = createViewer({
          store,
          auth: viewerAuth({ token, host, port }),
          assets: loadAssets(),
          onProblem,
        });
        return viewerUrl(origin, token);
      } catch (error) {
        // The receiver works without the viewer (an unbuilt checkout): say so and go on.
        onProblem(`no viewer: ${messageOf(error)}`);
        return undefined;
      }
    },
    close(): void {
      viewer?.close();
    },
  };
}
