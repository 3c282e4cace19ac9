import { createServer } from "node:http";
import type { Store } from "../../store/index.js";
import { urlOf } from "../serve/host.js";
import { listenHttp } from "../serve/receiver.js";
import { createViewer, type Viewer } from "./app.js";
import { type Assets, loadAssets } from "./assets.js";
import { newToken, viewerAuth } from "./auth.js";

export interface ViewerServerOptions {
  readonly store: Store;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** A fixed token; a new random one by default. */
  readonly token?: string;
  readonly assets?: Assets;
  readonly pollMs?: number;
  readonly readAtOnceUpTo?: number;
  readonly onProblem?: (message: string) => void;
}

export interface RunningViewer {
  /** The URL to open: origin, path and `?token=`. */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  close(): Promise<void>;
}

/** `opencode-otel ui`'s server: the viewer alone on its own port. */
export async function startViewer(options: ViewerServerOptions): Promise<RunningViewer> {
  const assets = options.assets ?? loadAssets();
  const token = options.token ?? newToken();
  let viewer: Viewer | undefined;
  const server = createServer((req, res) => {
    if (viewer) viewer.handle(req, res);
    else res.writeHead(503, { "retry-after": "1" }).end();
  });
  const port = await listenHttp(server, options.host, options.port);
  try {
    viewer = createViewer({
      store: options.store,
      auth: viewerAuth({ token, host: options.host, port }),
      assets,
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.readAtOnceUpTo !== undefined ? { readAtOnceUpTo: options.readAtOnceUpTo } : {}),
      ...(options.onProblem ? { onProblem: options.onProblem } : {}),
    });
  } catch (error) {
    server.close();
    throw error;
  }
  const origin = urlOf(options.host, port);
  return {
    url: viewerUrl(origin, token),
    origin,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        viewer?.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function viewerUrl(origin: string, token: string): string {
  return `${origin}/?token=${encodeURIComponent(token)}`;
}
