import { assertEquals, assertThrows } from "../../test/assert.ts";
import { UsageError } from "../errors.ts";
import { parseCommandArgs } from "./args.ts";

const OPTIONS = { server: { type: "string" }, yes: { type: "boolean", short: "y" } } as const;

Deno.test("options, short flags, = values and positionals", () => {
  const parsed = parseCommandArgs("x", ["--server=https://a", "-y", "NAME"], OPTIONS, 1);
  assertEquals(parsed.values.server, "https://a");
  assertEquals(parsed.values.yes, true);
  assertEquals(parsed.positionals, ["NAME"]);
  assertEquals(parseCommandArgs("x", ["-h"], OPTIONS).values.help, true);
});

Deno.test("mistakes become one line that points at the command's help", () => {
  const cases: [string[], string][] = [
    [["--nope"], "unknown option '--nope' (see `remoteagent x --help`)"],
    [["-z"], "unknown option '-z'"],
    [["--server"], "option '--server' needs a value"],
    [["--server", "--yes"], "option '--server' needs a value"],
    [["--server", "  "], "--server needs a value"],
    [["--yes=1"], "option '--yes' does not take a value"],
    [["a", "b"], "unexpected argument 'b'"],
  ];
  for (const [argv, message] of cases) {
    assertThrows(() => parseCommandArgs("x", argv, OPTIONS, 1), UsageError, message);
  }
  assertThrows(() => parseCommandArgs("x", ["a"], OPTIONS), UsageError, "unexpected argument 'a'");
});
