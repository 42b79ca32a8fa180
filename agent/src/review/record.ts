/**
 * The review record of the last task: its snapshots and the files it changed, kept in the
 * project's `.remoteagent/review/last.json` so `/diff` and `/undo` work after a restart.
 *
 * @module
 */
import { join } from "node:path";
import { AGENT_DIR, type ChangedFile } from "./snapshot.ts";

/** What `/diff` and `/undo` need to know about the last task. */
export interface ReviewRecord {
  sessionId: string;
  /** Start of the prompt, to say which task this was. */
  preview: string;
  /** Git trees before and after the task; null outside git. */
  trees: { before: string; after: string } | null;
  files: ChangedFile[];
  undone: boolean;
}

const RECORD_FILE = `${AGENT_DIR}/review/last.json`;

/** The last task's record, or null when there is none (or it cannot be read). */
export async function loadRecord(projectDir: string): Promise<ReviewRecord | null> {
  try {
    return JSON.parse(await Deno.readTextFile(join(projectDir, RECORD_FILE))) as ReviewRecord;
  } catch {
    return null;
  }
}

/** Replaces the record (write to a temporary file, then rename). */
export async function saveRecord(projectDir: string, record: ReviewRecord): Promise<void> {
  const path = join(projectDir, RECORD_FILE);
  await Deno.mkdir(join(projectDir, AGENT_DIR, "review"), { recursive: true });
  await Deno.writeTextFile(`${path}.tmp`, JSON.stringify(record));
  await Deno.rename(`${path}.tmp`, path);
}
