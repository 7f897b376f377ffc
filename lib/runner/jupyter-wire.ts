// The Jupyter messaging protocol's wire format (v5.3): building, signing, parsing and verifying the
// multipart ZeroMQ frames of one message. No sockets here, so it can be tested on its own.
// https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol
import { createHmac, randomUUID, timingSafeEqual } from "crypto";

/** The delimiter frame between the ZeroMQ routing prefix and the signed parts. */
export const DELIMITER = Buffer.from("<IDS|MSG>");
export const PROTOCOL_VERSION = "5.3";

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** One Jupyter message. `content` is left loosely typed: its shape depends on msg_type. */
export interface JupyterMessage {
  header: MessageHeader;
  /** Empty object when the message has no parent. */
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: any;
  buffers: Buffer[];
}

/** A new message of `msgType` in `session`, with a fresh msg_id. */
export function newMessage(
  msgType: string,
  content: Record<string, unknown>,
  session: string,
  username = "vaelab",
): JupyterMessage {
  return {
    header: {
      msg_id: randomUUID(),
      session,
      username,
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    },
    parent_header: {},
    metadata: {},
    content,
    buffers: [],
  };
}

/** HMAC-SHA256 hex digest over the four JSON parts (empty string when the key is empty: signing off). */
export function sign(key: string, parts: readonly (string | Buffer)[]): string {
  if (key === "") return "";
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/** Frames to send from a DEALER socket: [delimiter, signature, header, parent, metadata, content, ...buffers]. */
export function encodeMessage(msg: JupyterMessage, key: string): Buffer[] {
  const parts = [
    JSON.stringify(msg.header),
    JSON.stringify(msg.parent_header),
    JSON.stringify(msg.metadata),
    JSON.stringify(msg.content),
  ];
  return [DELIMITER, Buffer.from(sign(key, parts)), ...parts.map((p) => Buffer.from(p)), ...msg.buffers];
}

/**
 * Parse received frames (any routing prefix before the delimiter is skipped) and verify the signature.
 * Throws naming what is wrong: missing delimiter, too few parts, bad JSON, bad signature.
 */
export function decodeMessage(frames: readonly Buffer[], key: string): JupyterMessage {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new Error("jupyter message: no <IDS|MSG> delimiter frame");
  if (frames.length < at + 6) {
    throw new Error(`jupyter message: ${frames.length - at - 1} frames after the delimiter, need at least 5`);
  }
  const signature = frames[at + 1].toString("ascii");
  const parts = frames.slice(at + 2, at + 6);
  const want = sign(key, parts);
  if (key !== "" && !safeEqual(signature, want)) {
    throw new Error("jupyter message: HMAC signature does not match (wrong key?)");
  }
  const json = (i: number, name: string) => {
    try {
      return JSON.parse(parts[i].toString("utf8"));
    } catch (e) {
      throw new Error(`jupyter message: ${name} is not JSON: ${(e as Error).message}`);
    }
  };
  return {
    header: json(0, "header"),
    parent_header: json(1, "parent_header") ?? {},
    metadata: json(2, "metadata") ?? {},
    content: json(3, "content") ?? {},
    buffers: frames.slice(at + 6),
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
