/**
 * The agent's side of the relay's files endpoint: download a file sent to the bot (by its sealed
 * reference) and upload a document for the chat. Bytes stream both ways; the token goes in the
 * Authorization header, as for every tRPC call.
 *
 * @module
 */
import { AGENT_FILES_PATH } from "@remoteagent/shared/protocol.ts";

/** Where a reply or document goes: the chat of a running session, or of a review request. */
export type ReviewTarget = { sessionId: string } | { requestId: string };

/** Moves file bytes between the agent and the chat. */
export interface FileTransfer {
  download(ref: string): Promise<ReadableStream<Uint8Array>>;
  upload(
    target: ReviewTarget,
    name: string,
    body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>>,
  ): Promise<void>;
}

/** The relay refused or failed a transfer; the message is the relay's. */
export class TransferError extends Error {
  override name = "TransferError";
}

/** A {@link FileTransfer} over HTTP to the relay at `server`. */
export function httpFileTransfer(
  opts: { server: string; token: string; fetch?: typeof fetch },
): FileTransfer {
  const doFetch = opts.fetch ?? fetch;
  const base = opts.server.replace(/\/+$/, "") + AGENT_FILES_PATH;
  const headers = { Authorization: `Bearer ${opts.token}` };
  const failed = async (response: Response) =>
    new TransferError(
      `the relay answered ${response.status}: ${(await response.text()).slice(0, 200)}`,
    );
  return {
    async download(ref) {
      const response = await doFetch(`${base}?ref=${encodeURIComponent(ref)}`, { headers });
      if (!response.ok || !response.body) throw await failed(response);
      return response.body;
    },
    async upload(target, name, body) {
      const query = new URLSearchParams({ ...target, name });
      const response = await doFetch(`${base}?${query}`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/octet-stream" },
        body: body as BodyInit,
      });
      if (!response.ok) throw await failed(response);
      await response.body?.cancel();
    },
  };
}
