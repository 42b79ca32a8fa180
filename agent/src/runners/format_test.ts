import assert from "node:assert/strict";
import { codeTail, inlineCode, MarkdownOut, toolSummary } from "./format.ts";

Deno.test("MarkdownOut puts items on their own lines and prose in its own paragraph", () => {
  const md = new MarkdownOut();
  const out = [
    md.text("Let me "),
    md.text("check."),
    md.line("🔧 `Bash`: `ls`"),
    md.line("```\na\n```"),
    md.text("Done"),
    md.paragraph("Next paragraph."),
  ].join("");
  assert.equal(out, "Let me check.\n\n🔧 `Bash`: `ls`\n```\na\n```\n\nDone\n\nNext paragraph.");
  const first = new MarkdownOut();
  assert.equal(first.line("📝 edited `a`"), "📝 edited `a`\n", "no blank line at the very start");
});

Deno.test("inlineCode survives backticks and newlines and is bounded", () => {
  assert.equal(inlineCode("npm test"), "`npm test`");
  assert.equal(inlineCode("echo `date`"), "`` echo `date` ``");
  assert.equal(inlineCode("a\nb"), "`a ⏎ b`");
  assert.equal(inlineCode("x".repeat(300)).length, 202);
});

Deno.test("codeTail keeps the last 20 lines and a fence the output cannot close", () => {
  const out = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
  const tail = codeTail(out);
  assert.ok(tail.startsWith("```\n… (10 more lines above)\nline 11\n"));
  assert.ok(tail.endsWith("line 30\n```"));
  assert.equal(codeTail("a ``` b"), "````\na ``` b\n````");
  assert.equal(codeTail("  \n"), "");
});

Deno.test("toolSummary covers the tool names of every runner", () => {
  const dir = "/p";
  assert.equal(toolSummary("Bash", { command: "npm test" }, dir), "🔧 `Bash`: `npm test`");
  assert.equal(toolSummary("Edit", { file_path: "/p/src/a.ts" }, dir), "📝 edited `src/a.ts`");
  assert.equal(toolSummary("Write", { file_path: "/elsewhere/x" }, dir), "📝 wrote `/elsewhere/x`");
  assert.equal(toolSummary("read_file", { absolute_path: "/p/b.md" }, dir), "📖 read `b.md`");
  assert.equal(
    toolSummary("Grep", { pattern: "TODO", path: "src" }, dir),
    "🔍 `Grep`: `TODO` in `src`",
  );
  assert.equal(
    toolSummary("WebFetch", { url: "https://x.dev" }, dir),
    "🌐 `WebFetch`: `https://x.dev`",
  );
  assert.equal(toolSummary("TodoWrite", { todos: [] }, dir), "📋 updated the todo list");
  assert.equal(toolSummary("Task", { description: "explore" }, dir), "🔧 `Task`: `explore`");
  assert.equal(toolSummary("mystery", {}, dir), "🔧 `mystery`");
});
