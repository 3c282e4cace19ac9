/**
 * A collector that "comes up later": a TCP forwarder started on a port opencode was already
 * told to export to, passing every connection through to the test's OTLP receiver. Until it
 * starts, nothing listens there and exports are refused, as with a collector that is down.
 */
import { connect, createServer, type Socket } from "node:net";

export interface Forwarder {
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` and forwards each connection to `target` (`http://host:port`). */
export async function forwardPort(port: number, target: string): Promise<Forwarder> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(Number(targetPort), hostname);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
