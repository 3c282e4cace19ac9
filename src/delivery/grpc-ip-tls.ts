/**
 * TLS for gRPC to an endpoint given as an IP address (`https://10.0.0.5:4317`).
 *
 * grpc-js sends the host as the TLS server name (SNI) whatever it is. An IP address is not a
 * server name (RFC 6066): Node ignores it with a deprecation warning, but Bun, which runs
 * opencode and so the plugin, refuses the connection outright ("Setting the TLS ServerName to an
 * IP address is not permitted"), so every export failed as a TLS error. These credentials do
 * what grpc-js does for any other host (TLS with ALPN `h2`, the certificate checked against
 * the runtime's trusted CAs, `NODE_EXTRA_CA_CERTS` included, and against the address, which the
 * certificate must name as an IP subject alternative name) but send no server name.
 *
 * The hook is `ChannelCredentials._createSecureConnector`, declared in grpc-js's public types as
 * the abstract method every credentials kind implements; `test/transport-grpc.test.ts` connects
 * through it to a real TLS server on 127.0.0.1.
 */

import type { Socket } from "node:net";
import { connect } from "node:tls";
import type * as Grpc from "@grpc/grpc-js";

type SecureConnector = ReturnType<Grpc.ChannelCredentials["_createSecureConnector"]>;

export function ipTlsCredentials(grpc: typeof Grpc, address: string): Grpc.ChannelCredentials {
  class IpTlsCredentials extends grpc.ChannelCredentials {
    _isSecure(): boolean {
      return true;
    }

    _equals(other: Grpc.ChannelCredentials): boolean {
      return other === this;
    }

    _createSecureConnector(
      _target: unknown,
      _options: unknown,
      callCredentials?: Grpc.CallCredentials,
    ): SecureConnector {
      const credentials = callCredentials ?? grpc.credentials.createEmpty();
      return {
        connect: (socket: Socket) =>
          new Promise((resolve, reject) => {
            // `host` (not `servername`): the certificate is checked against the address.
            const tls = connect({ socket, host: address, ALPNProtocols: ["h2"] }, () => {
              if (!tls.authorized) {
                tls.destroy();
                reject(tls.authorizationError ?? new Error("TLS: certificate not authorized"));
                return;
              }
              resolve({ socket: tls, secure: true });
            });
            tls.on("error", reject);
          }),
        waitForReady: () => Promise.resolve(),
        getCallCredentials: () => credentials,
        destroy: () => undefined,
      };
    }
  }
  return new IpTlsCredentials();
}
