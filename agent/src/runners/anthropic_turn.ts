/**
 * One streamed Messages API call, accumulated by hand from the raw SSE events (FORMATS.md):
 * text deltas are handed out as they come, `input_json_delta` pieces are concatenated and parsed
 * at `content_block_stop`, unknown events are ignored.
 *
 * @module
 */
import type Anthropic from "@anthropic-ai/sdk";
import { type Obj, obj, str } from "./json.ts";

/** A finished assistant turn. */
export interface AssistantTurn {
  /** Content to repeat in the next request (empty text blocks dropped). */
  content: Anthropic.ContentBlockParam[];
  toolUses: { id: string; name: string; input: Obj; badInput: boolean }[];
  stopReason: string | null;
}

type Block =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; json: string; input?: Obj; bad: boolean }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string }
  | { type: "other" };

/** Streams one request; yields text deltas; returns the turn (stopReason null if cut short). */
export async function* streamTurn(
  client: Anthropic,
  params: Omit<Anthropic.MessageCreateParamsStreaming, "stream">,
  signal: AbortSignal,
): AsyncGenerator<string, AssistantTurn, void> {
  const stream = await client.messages.create({ ...params, stream: true }, { signal });
  const blocks: Block[] = [];
  let stopReason: string | null = null;
  for await (const event of stream) {
    const ev = event as unknown as Obj;
    const index = typeof ev.index === "number" ? ev.index : -1;
    switch (ev.type) {
      case "content_block_start":
        blocks[index] = startBlock(obj(ev.content_block) ?? {});
        break;
      case "content_block_delta": {
        const block = blocks[index];
        const delta = obj(ev.delta) ?? {};
        if (block?.type === "text" && delta.type === "text_delta") {
          const text = str(delta.text) ?? "";
          block.text += text;
          if (text) yield text;
        } else if (block?.type === "tool_use" && delta.type === "input_json_delta") {
          block.json += str(delta.partial_json) ?? "";
        } else if (block?.type === "thinking" && delta.type === "thinking_delta") {
          block.thinking += str(delta.thinking) ?? "";
        } else if (block?.type === "thinking" && delta.type === "signature_delta") {
          block.signature = str(delta.signature) ?? block.signature;
        }
        break;
      }
      case "content_block_stop": {
        const block = blocks[index];
        if (block?.type === "tool_use") finishToolInput(block);
        break;
      }
      case "message_delta":
        stopReason = str(obj(ev.delta)?.stop_reason) ?? stopReason;
        break;
      default:
        break; // message_start, message_stop, and anything new
    }
  }
  return toTurn(blocks, stopReason);
}

function startBlock(cb: Obj): Block {
  switch (cb.type) {
    case "text":
      return { type: "text", text: str(cb.text) ?? "" };
    case "tool_use":
      return {
        type: "tool_use",
        id: str(cb.id) ?? "",
        name: str(cb.name) ?? "",
        json: "",
        bad: false,
      };
    case "thinking":
      return {
        type: "thinking",
        thinking: str(cb.thinking) ?? "",
        signature: str(cb.signature) ?? "",
      };
    case "redacted_thinking":
      return { type: "redacted_thinking", data: str(cb.data) ?? "" };
    default:
      return { type: "other" };
  }
}

function finishToolInput(block: Extract<Block, { type: "tool_use" }>): void {
  if (!block.json.trim()) {
    block.input = {};
    return;
  }
  try {
    block.input = obj(JSON.parse(block.json));
  } catch {
    block.input = undefined;
  }
  if (!block.input) {
    block.input = {};
    block.bad = true;
  }
}

function toTurn(blocks: Block[], stopReason: string | null): AssistantTurn {
  const content: Anthropic.ContentBlockParam[] = [];
  const toolUses: AssistantTurn["toolUses"] = [];
  for (const b of blocks) {
    if (!b) continue;
    if (b.type === "text" && b.text) content.push({ type: "text", text: b.text });
    else if (b.type === "thinking") {
      content.push({ type: "thinking", thinking: b.thinking, signature: b.signature });
    } else if (b.type === "redacted_thinking") {
      content.push({ type: "redacted_thinking", data: b.data });
    } else if (b.type === "tool_use") {
      if (!b.input) finishToolInput(b); // stream ended without content_block_stop
      const input = b.input ?? {};
      content.push({ type: "tool_use", id: b.id, name: b.name, input });
      toolUses.push({ id: b.id, name: b.name, input, badInput: b.bad });
    }
  }
  return { content, toolUses, stopReason };
}
