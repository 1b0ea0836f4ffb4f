/**
 * The Jupyter messaging protocol (wire format v5.3) as far as a notebook runner
 * needs it: signing, encoding and decoding multipart messages.
 * Reference: the Jupyter client documentation, "Messaging in Jupyter".
 */
import { createHmac, randomBytes } from 'crypto';

export const DELIMITER = '<IDS|MSG>';

export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export interface JupyterMessage {
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  /** A JSON object whose shape depends on header.msg_type (the types below name the ones this client reads). */
  content: MessageContent;
}

type MessageContent = Record<string, unknown>;

// Content of the message types the runner reads (fields it does not read are left out).
/** iopub 'stream'. */
export type StreamContent = { name: 'stdout' | 'stderr'; text: string };
/** iopub 'display_data'. */
export type DisplayDataContent = { data: Record<string, unknown>; metadata?: Record<string, unknown>; transient?: { display_id?: string } };
/** iopub 'execute_result'. */
export type ExecuteResultContent = DisplayDataContent & { execution_count?: number | null };
/** iopub 'execute_input'. */
export type ExecuteInputContent = { execution_count?: number | null };
/** iopub 'error'. */
export type ErrorContent = { ename: string; evalue: string; traceback?: string[] };
/** iopub 'status'. */
export type StatusContent = { execution_state: 'busy' | 'idle' | 'starting' };
/** shell 'execute_reply'. */
/** `status` 'abort' is what tslab 1.0.22 answers for a request it did not run; the protocol's word is 'aborted'. */
export type ExecuteReplyContent = { status: 'ok' | 'error' | 'aborted' | 'abort'; execution_count?: number | null; ename?: string; evalue?: string };

export interface ConnectionInfo {
  transport: 'tcp';
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: 'hmac-sha256';
  kernel_name?: string;
}

function sign(key: string, parts: string[]): string {
  if (!key) return '';
  const hmac = createHmac('sha256', key);
  for (const p of parts) hmac.update(p);
  return hmac.digest('hex');
}

/** Build a new request message for this client's session. */
export function newMessage(session: string, msgType: string, content: MessageContent): JupyterMessage {
  return {
    header: {
      msg_id: randomBytes(16).toString('hex'),
      msg_type: msgType,
      session,
      username: 'backsplit-runner',
      date: new Date().toISOString(),
      version: '5.3',
    },
    parent_header: {},
    metadata: {},
    content,
  };
}

/** Frames to send on a DEALER socket (no routing identities). */
export function encodeMessage(key: string, msg: JupyterMessage): string[] {
  const body = [
    JSON.stringify(msg.header),
    JSON.stringify(msg.parent_header),
    JSON.stringify(msg.metadata),
    JSON.stringify(msg.content),
  ];
  return [DELIMITER, sign(key, body), ...body];
}

/**
 * Decode received frames (any routing prefix or pub/sub topic before the
 * delimiter is skipped). Throws when the signature does not verify.
 */
export function decodeMessage(key: string, frames: Buffer[]): JupyterMessage {
  const idx = frames.findIndex((f) => f.toString() === DELIMITER);
  if (idx < 0 || frames.length < idx + 6) throw new Error('malformed Jupyter message: no delimiter or missing parts');
  const signature = frames[idx + 1].toString();
  const body = frames.slice(idx + 2, idx + 6).map((f) => f.toString());
  const expected = sign(key, body);
  if (key && signature !== expected) throw new Error('Jupyter message signature mismatch');
  return {
    header: JSON.parse(body[0]),
    parent_header: JSON.parse(body[1]),
    metadata: JSON.parse(body[2]),
    content: JSON.parse(body[3]),
  };
}
