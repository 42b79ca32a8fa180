/**
 * Minimal Server-Sent Events reader: yields the `data` of each event (multi-line data joined
 * with "\n"), with its `event` name; comments and other fields are skipped.
 *
 * @module
 */

/** One SSE event. */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** Parses an SSE byte stream. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  let buf = "";
  let event: string | undefined;
  let data: string[] = [];
  for await (const piece of body.pipeThrough(new TextDecoderStream())) {
    buf += piece;
    let nl: number;
    while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf.startsWith("\r\n", nl) ? 2 : 1));
      if (line === "") {
        if (data.length) yield { event, data: data.join("\n") };
        event = undefined;
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") data.push(value);
      else if (field === "event") event = value;
    }
  }
  if (buf.startsWith("data")) data.push(buf.slice(buf.indexOf(":") + 1).replace(/^ /, ""));
  if (data.length) yield { event, data: data.join("\n") };
}
