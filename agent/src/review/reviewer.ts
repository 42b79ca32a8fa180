/**
 * Review, undo and files around each task: before it runs, files sent with the prompt are saved
 * in the inbox (their paths added to the prompt) and the project is snapshotted; after it ends,
 * the chat gets the change summary (and the diff), and the files written to the outbox. Also
 * answers `/diff` and `/undo` for the last task.
 *
 * @module
 */
import { join } from "node:path";
import { TELEGRAM_UPLOAD_LIMIT } from "@remoteagent/shared/protocol.ts";
import type { PromptCommand, ReviewCommand } from "@remoteagent/shared/schemas.ts";
import { messageOf } from "../errors.ts";
import { taskPreview } from "../connection/events.ts";
import { ensureAgentDir, newInOutbox, OUTBOX_DIR, outboxState, saveToInbox } from "./inbox.ts";
import { loadRecord, type ReviewRecord, saveRecord } from "./record.ts";
import { changedFiles, type Snapshot, takeSnapshot, unifiedDiff } from "./snapshot.ts";
import { summaryText, withDiff } from "./summary.ts";
import type { FileTransfer, ReviewTarget } from "./transfer.ts";
import { undoChanges } from "./undo.ts";

/** Options of {@link Reviewer}. */
export interface ReviewerOptions {
  projectDir: string;
  /** Sends text to the chat (`review.reply`). */
  reply(target: ReviewTarget, text: string): Promise<void>;
  /** Null when the agent cannot move files (tests without a relay). */
  files: FileTransfer | null;
  /** True while a task runs: undo waits for it to end. */
  busy(): boolean;
  onWarning(message: string): void;
}

/** One task as the reviewer sees it: the prompt to run, and what to do once it ended. */
export interface TaskReview {
  prompt: string;
  /** Lines for the task's output before the runner's (files that could not be saved). */
  notes: string[];
  /** After the task's output was delivered, before its end is reported. */
  end(): Promise<void>;
}

/** Review and files for the tasks of one project. */
export class Reviewer {
  readonly #opts: ReviewerOptions;

  /** @param options where the project is and how to reach the chat */
  constructor(options: ReviewerOptions) {
    this.#opts = options;
  }

  /** Saves the prompt's files, snapshots the project. Never throws. */
  async begin(command: PromptCommand): Promise<TaskReview> {
    const { projectDir } = this.#opts;
    const notes: string[] = [];
    let prompt = command.prompt;
    const saved: string[] = [];
    for (const file of command.files ?? []) {
      try {
        if (!this.#opts.files) throw new Error("file transfer is not available");
        saved.push(
          await saveToInbox(projectDir, file.name, await this.#opts.files.download(file.ref)),
        );
      } catch (error) {
        notes.push(`⚠️ could not save ${file.name}: ${messageOf(error)}`);
      }
    }
    if (saved.length > 0) {
      prompt += `\n\n(Sent with this message and saved in the project: ${saved.join(", ")})`;
    }
    const before = await this.#snapshot(notes);
    const outbox = await outboxState(projectDir).catch(() => new Map<string, string>());
    return {
      prompt,
      notes,
      end: () =>
        this.#end(command, before, outbox).catch((error) =>
          this.#opts.onWarning(`could not send the task's changes: ${messageOf(error)}`)
        ),
    };
  }

  async #snapshot(notes: string[]): Promise<Snapshot | null> {
    try {
      await ensureAgentDir(this.#opts.projectDir);
      return await takeSnapshot(this.#opts.projectDir);
    } catch (error) {
      notes.push(`⚠️ no change summary for this task: ${messageOf(error)}`);
      return null;
    }
  }

  async #end(command: PromptCommand, before: Snapshot | null, outbox: Map<string, string>) {
    const { projectDir } = this.#opts;
    const target = { sessionId: command.sessionId };
    if (before) {
      const after = await takeSnapshot(projectDir);
      const files = await changedFiles(projectDir, before, after);
      const record: ReviewRecord = {
        sessionId: command.sessionId,
        preview: taskPreview(command.prompt),
        trees: before.kind === "git" && after.kind === "git"
          ? { before: before.tree, after: after.tree }
          : null,
        files,
        undone: false,
      };
      await saveRecord(projectDir, record);
      if (files.length > 0) await this.#sendSummary(target, record, "");
    }
    await this.#sendOutbox(target, outbox);
  }

  /** The summary, with the diff inline when it fits, else as a `.diff` document. */
  async #sendSummary(target: ReviewTarget, record: ReviewRecord, heading: string) {
    const summary = heading + summaryText(record.files, record.trees !== null);
    if (!record.trees || record.files.length === 0) return await this.#opts.reply(target, summary);
    const diff = await unifiedDiff(this.#opts.projectDir, record.trees.before, record.trees.after);
    const inline = withDiff(summary, diff);
    if (inline) return await this.#opts.reply(target, inline);
    await this.#opts.reply(target, `${summary}\n\nThe diff follows as a document.`);
    if (!this.#opts.files) return;
    const bytes = new TextEncoder().encode(diff);
    if (bytes.byteLength > TELEGRAM_UPLOAD_LIMIT) {
      return await this.#opts.reply(target, "⚠️ The diff is larger than 50 MB: it was not sent.");
    }
    await this.#opts.files.upload(target, `${record.sessionId}.diff`, bytes);
  }

  async #sendOutbox(target: ReviewTarget, before: Map<string, string>) {
    const names = newInOutbox(before, await outboxState(this.#opts.projectDir));
    for (const name of names) {
      const path = join(this.#opts.projectDir, OUTBOX_DIR, name);
      const size = (await Deno.stat(path)).size;
      if (size > TELEGRAM_UPLOAD_LIMIT) {
        await this.#opts.reply(
          target,
          `⚠️ ${name} is ${
            (size / 1024 / 1024).toFixed(1)
          } MB, more than the 50 MB a bot can send: it stays in ${OUTBOX_DIR}/.`,
        );
        continue;
      }
      if (!this.#opts.files) continue;
      const file = await Deno.open(path, { read: true });
      try {
        await this.#opts.files.upload(target, name, file.readable);
      } catch (error) {
        await this.#opts.reply(target, `⚠️ could not send ${name}: ${messageOf(error)}`);
      }
    }
  }

  /** Answers `/diff` or `/undo` for the last task. Never throws. */
  async handle(command: ReviewCommand): Promise<void> {
    const target = { requestId: command.requestId };
    try {
      const text = command.action === "diff" ? await this.#diff(target) : await this.#undo();
      if (text) await this.#opts.reply(target, text);
    } catch (error) {
      await this.#opts.reply(target, `⚠️ ${command.action} failed: ${messageOf(error)}`).catch(
        (e) => this.#opts.onWarning(`could not answer /${command.action}: ${messageOf(e)}`),
      );
    }
  }

  async #diff(target: ReviewTarget): Promise<string | null> {
    const record = await loadRecord(this.#opts.projectDir);
    if (!record) return "No task has run here yet.";
    const heading = `Last task: “${record.preview}”${record.undone ? " (undone)" : ""}\n`;
    await this.#sendSummary(target, record, heading);
    return null;
  }

  async #undo(): Promise<string> {
    const { projectDir } = this.#opts;
    if (this.#opts.busy()) return "A task is running: undo once it has ended.";
    const record = await loadRecord(projectDir);
    if (!record) return "No task has run here yet: nothing to undo.";
    if (!record.trees) return "Undo needs a git repository: this project is not one.";
    if (record.undone) return "The last task's changes were already undone.";
    if (record.files.length === 0) return "The last task changed no files.";
    const result = await undoChanges(
      projectDir,
      record.trees.before,
      record.trees.after,
      record.files.map((f) => f.path),
    );
    await saveRecord(projectDir, { ...record, undone: true });
    const lines = [`↩ Undid “${record.preview}”: ${result.restored.length} restored.`];
    if (result.restored.length > 0) lines.push(...result.restored.map((p) => `• ${p}`));
    if (result.refused.length > 0) {
      lines.push("Left alone, because they changed again after the task:");
      lines.push(...result.refused.map((p) => `• ${p}`));
    }
    return lines.join("\n");
  }
}
