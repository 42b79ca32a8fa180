import assert from "node:assert/strict";
import { join } from "node:path";
import { drain, exited, tempProject, waitFor } from "../../test/fixtures/runner_harness.ts";
import { blocks, sdkTest } from "../../test/fixtures/sdk_harness.ts";

sdkTest(
  "claude-sdk: tool loop reads, writes, edits and runs commands in the project",
  async ({ fake, dir, runner, request }) => {
    await Deno.mkdir(join(dir, "src"));
    await Deno.writeTextFile(join(dir, "src/a.txt"), "foo\nbaz\n");
    fake.enqueue(
      {
        kind: "message",
        content: [
          { type: "text", text: "Let me look." },
          { type: "tool_use", id: "toolu_read", name: "read_file", input: { path: "src/a.txt" } },
          {
            type: "tool_use",
            id: "toolu_write",
            name: "write_file",
            input: { path: "out/new.txt", content: "hi\n" },
          },
          { type: "tool_use", id: "toolu_search", name: "search_files", input: { pattern: "ba" } },
        ],
      },
      {
        kind: "message",
        content: [
          {
            type: "tool_use",
            id: "toolu_edit",
            name: "edit_file",
            input: { path: "src/a.txt", old_string: "foo", new_string: "bar" },
          },
          {
            type: "tool_use",
            id: "toolu_run",
            name: "run_command",
            input: { command: "cat src/a.txt; echo oops >&2; exit 2" },
          },
          { type: "tool_use", id: "toolu_list", name: "list_files", input: { recursive: true } },
        ],
      },
      { kind: "message", content: [{ type: "text", text: "Done." }] },
    );
    const { text, result } = await drain(runner.run(request("fix it")));
    assert.equal(result.status, "ok", JSON.stringify(result));
    assert.equal(await Deno.readTextFile(join(dir, "src/a.txt")), "bar\nbaz\n");
    assert.equal(await Deno.readTextFile(join(dir, "out/new.txt")), "hi\n");
    assert.equal(
      text,
      [
        "Let me look.",
        "",
        "📖 read `src/a.txt`",
        "📝 wrote `out/new.txt`",
        "🔍 `search_files`: `ba`",
        "📝 edited `src/a.txt`",
        "🔧 `run_command`: `cat src/a.txt; echo oops >&2; exit 2`",
        "```",
        "bar",
        "baz",
        "oops",
        "```",
        "↳ exit code 2",
        "📂 listed `.`",
        "",
        "Done.",
      ].join("\n"),
    );
    assert.equal(fake.requests.length, 3);
    assert.ok(fake.requests.every((r) => r.status === 200));
    // The user message after each tool_use turn starts with one tool_result per tool_use, in order.
    const second = fake.requests[1]!.body.messages;
    assert.deepEqual(second.map((m) => m.role), ["user", "assistant", "user"]);
    const results1 = blocks(second[2]);
    assert.deepEqual(results1.map((b) => b.tool_use_id), [
      "toolu_read",
      "toolu_write",
      "toolu_search",
    ]);
    assert.match(String(results1[0]!.content), /1\tfoo/);
    assert.match(String(results1[2]!.content), /src\/a\.txt:2: baz/);
    assert.deepEqual(blocks(second[1]).map((b) => b.type), [
      "text",
      "tool_use",
      "tool_use",
      "tool_use",
    ]);
    assert.deepEqual(
      blocks(second[1])[1]!.input,
      { path: "src/a.txt" },
      "input_json_delta pieces joined",
    );
    const results2 = blocks(fake.requests[2]!.body.messages[4]);
    assert.deepEqual(results2.map((b) => b.tool_use_id), ["toolu_edit", "toolu_run", "toolu_list"]);
    assert.match(String(results2[1]!.content), /^exit code 2\nbar\nbaz\noops/);
    assert.match(String(results2[2]!.content), /^out\/\nout\/new\.txt\nsrc\/\nsrc\/a\.txt$/m);
  },
);

sdkTest(
  "claude-sdk: path escapes are refused with is_error tool results",
  async ({ fake, dir, runner, request }) => {
    const outside = await tempProject();
    await Deno.writeTextFile(join(outside, "secret.txt"), "secret");
    await Deno.symlink(outside, join(dir, "link_dir"));
    await Deno.symlink(join(outside, "secret.txt"), join(dir, "link_file"));
    await Deno.symlink(join(outside, "nothing-here"), join(dir, "dangling"));
    const attempts = [
      { name: "read_file", input: { path: "../" + outside.split("/").pop() + "/secret.txt" } },
      { name: "read_file", input: { path: "/etc/passwd" } },
      { name: "write_file", input: { path: "link_dir/evil.txt", content: "x" } },
      { name: "read_file", input: { path: "link_file" } },
      { name: "write_file", input: { path: "dangling", content: "x" } },
      { name: "search_files", input: { pattern: "secret", path: "link_dir" } },
      {
        name: "edit_file",
        input: { path: `${outside}/secret.txt`, old_string: "secret", new_string: "pwned" },
      },
    ];
    fake.enqueue(
      {
        kind: "message",
        content: attempts.map((a, i) => ({ type: "tool_use" as const, id: `toolu_${i}`, ...a })),
      },
      { kind: "message", content: [{ type: "text", text: "I cannot." }] },
    );
    const { text, result } = await drain(runner.run(request("escape")));
    assert.equal(result.status, "ok");
    const results = blocks(fake.requests[1]!.body.messages[2]);
    assert.equal(results.length, attempts.length);
    for (const r of results) {
      assert.equal(r.is_error, true, JSON.stringify(r));
      assert.match(String(r.content), /outside the project directory/);
    }
    assert.equal(
      (text.match(/⚠️ path is outside the project directory/g) ?? []).length,
      attempts.length,
    );
    assert.equal(await Deno.readTextFile(join(outside, "secret.txt")), "secret");
    await assert.rejects(Deno.stat(join(outside, "evil.txt")));
    await assert.rejects(Deno.stat(join(outside, "nothing-here")));
  },
);

sdkTest(
  "claude-sdk: abort during run_command kills its tree and records interrupted results",
  async ({ fake, dir, runner, request }) => {
    fake.enqueue({
      kind: "message",
      content: [
        {
          type: "tool_use",
          id: "toolu_sleep",
          name: "run_command",
          input: { command: "sleep 300 & echo $! > child.pid; wait" },
        },
        { type: "tool_use", id: "toolu_next", name: "list_files", input: {} },
      ],
    });
    const ctl = new AbortController();
    const gen = runner.run(request("run it", null, ctl.signal));
    assert.equal(
      (await gen.next()).value,
      "🔧 `run_command`: `sleep 300 & echo $! > child.pid; wait`\n",
    );
    const pending = gen.next(); // runs the command while the test watches
    const pidFile = join(dir, "child.pid");
    assert.ok(
      await waitFor(async () => (await Deno.readTextFile(pidFile).catch(() => "")).trim() !== ""),
    );
    const pid = Number(await Deno.readTextFile(pidFile));
    ctl.abort();
    assert.equal((await pending).done, false);
    const { result } = await drain(gen);
    assert.equal(result.status, "aborted");
    assert.ok(await exited(pid));
    fake.enqueue({ kind: "message", content: [{ type: "text", text: "OK." }] });
    const again = await drain(runner.run(request("never mind", result.resume)));
    assert.equal(again.result.status, "ok", JSON.stringify(again.result));
    const last = fake.requests.at(-1)!.body.messages.at(-1);
    assert.deepEqual(blocks(last).map((b) => [b.type, b.tool_use_id ?? null, b.is_error ?? null]), [
      ["tool_result", "toolu_sleep", true],
      ["tool_result", "toolu_next", true],
      ["text", null, null],
    ]);
  },
);
