/**
 * Private keys: PEM blocks (RFC 7468; RSA, EC, OpenSSH, PGP, encrypted) and PEM blocks written as
 * base64, as kubeconfig's `client-key-data` holds them.
 */
import { marker } from "./mask.js";

const PEM_BEGIN = /-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/y;
/** Characters of a PEM body, also JSON-escaped (`\n`) and with `Proc-Type:`/`DEK-Info:` headers. */
const PEM_BODY = /[\w+/=:,.()\s\\-]*/y;

/**
 * Mask private key blocks through their END line. A key cut off by the tool that printed it
 * (`head -5 id_rsa`) has no END line; it is masked up to the first character that cannot be part
 * of a PEM body.
 */
export function redactPem(text: string): string {
  if (!text.includes("-----BEGIN")) return text;
  // Fresh copies: the scan moves `lastIndex` by hand.
  const begin = new RegExp(PEM_BEGIN);
  const body = new RegExp(PEM_BODY);
  const endLine = new RegExp(PEM_END);
  let out = "";
  let copied = 0;
  // Position of the next "-----END" at or after the current block; searched again only when the
  // scan passes it, so a text full of unterminated blocks is still scanned once.
  let nextEnd = -2;
  for (let match = begin.exec(text); match !== null; match = begin.exec(text)) {
    const bodyStart = match.index + match[0].length;
    if (nextEnd !== -1 && nextEnd < bodyStart) nextEnd = text.indexOf("-----END", bodyStart);
    body.lastIndex = bodyStart;
    body.exec(text);
    let end = body.lastIndex;
    if (nextEnd !== -1 && nextEnd <= end) {
      // The body class also matches an END line and any prose after it; stop at the END line.
      endLine.lastIndex = nextEnd;
      end = endLine.exec(text) === null ? nextEnd : endLine.lastIndex;
    }
    out += text.slice(copied, match.index) + marker("private-key");
    copied = end;
    begin.lastIndex = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** `-----BEGIN` in base64, at any of the three alignments a base64 run can start with. */
const BASE64_PEM = /(?<![A-Za-z0-9+/])LS0tLS1CRUdJTi[A-Za-z0-9+/]{0,65536}={0,2}/g;

/**
 * A base64 run that decodes to a PEM private key (not a certificate, which is public): the
 * first 80 characters are enough to read the BEGIN line.
 */
export function redactBase64Pem(text: string): string {
  if (!text.includes("LS0tLS1CRUdJTi")) return text;
  return text.replace(BASE64_PEM, (run) =>
    Buffer.from(run.slice(0, 80), "base64").toString("latin1").includes("PRIVATE KEY")
      ? marker("private-key")
      : run,
  );
}
