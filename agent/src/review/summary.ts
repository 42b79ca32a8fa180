/**
 * The change summary shown in the chat after a task and for `/diff`: one line per file with its
 * +/− counts, then the unified diff when all of it fits in one Telegram message (otherwise the
 * diff goes as a `.diff` document).
 *
 * @module
 */
import { TELEGRAM_TEXT_LIMIT } from "@remoteagent/shared/protocol.ts";
import type { ChangedFile } from "./snapshot.ts";

/** Files listed by name before "…and N more". */
const LISTED_FILES = 40;
const MARK = { added: "A", modified: "M", deleted: "D" } as const;

/** The list of changed files; `git` false says the list comes from modification times. */
export function summaryText(files: ChangedFile[], git: boolean): string {
  if (files.length === 0) return "No files changed.";
  const lines: string[] = [];
  if (git) {
    const plus = files.reduce((n, f) => n + (f.added ?? 0), 0);
    const minus = files.reduce((n, f) => n + (f.removed ?? 0), 0);
    lines.push(`📝 ${count(files.length)} changed (+${plus} −${minus})`);
    for (const f of files.slice(0, LISTED_FILES)) {
      const counts = f.added === null ? "(binary)" : `+${f.added} −${f.removed}`;
      lines.push(`${MARK[f.status]} ${f.path} ${counts}`);
    }
  } else {
    lines.push(
      `📝 ${
        count(files.length)
      } modified during the task (not a git repository: /undo is unavailable)`,
    );
    for (const f of files.slice(0, LISTED_FILES)) lines.push(`${MARK[f.status]} ${f.path}`);
  }
  if (files.length > LISTED_FILES) lines.push(`…and ${files.length - LISTED_FILES} more`);
  return lines.join("\n");
}

/** The summary with the diff appended, or null when that does not fit in one message. */
export function withDiff(summary: string, diff: string): string | null {
  const text = `${summary}\n\n${diff.trimEnd()}`;
  return diff.trim() && text.length <= TELEGRAM_TEXT_LIMIT ? text : null;
}

function count(n: number): string {
  return n === 1 ? "1 file" : `${n} files`;
}
