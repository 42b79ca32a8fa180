import { assertEquals } from "../../test/assert.ts";
import { quickAgentConfig, quickGlobalConfig, quickSessionsFile } from "./quick_parse.ts";
import { agentConfigSchema, globalConfigSchema, sessionsFileSchema } from "./schema.ts";

const agent = {
  agentId: "agt_abc-1",
  name: "laptop",
  server: "https://relay.example",
  token: "tok",
  projectDir: "/home/me/project",
  runner: { runner: "custom", bin: "/bin/cat" },
};

/** Variations of a valid agent file: each is accepted by zod, refused by it, or both. */
const agentFiles: unknown[] = [
  agent,
  { ...agent, accountName: "", createdAt: "2026-01-01T00:00:00Z", futureKey: 1 },
  { ...agent, permissions: { mode: "ask" } },
  { ...agent, permissions: { mode: "accept-edits", allow: ["Bash(git:*)"], extra: true } },
  { ...agent, runner: { runner: "claude-sdk", model: "m", apiKey: "k", baseUrl: "http://x:1" } },
  { ...agent, runner: { runner: "aider", extraArgs: ["--yes", ""], stray: "x" } },
  { ...agent, server: " https://relay.example" },
  { ...agent, server: "https://relay.\nexample" },
  { ...agent, server: "not a url" },
  { ...agent, agentId: "../evil" },
  { ...agent, name: "" },
  { ...agent, token: 5 },
  { ...agent, projectDir: null },
  { ...agent, runner: { runner: "cursor" } },
  { ...agent, runner: { runner: "custom", bin: "" } },
  { ...agent, runner: { runner: "custom", extraArgs: "x" } },
  { ...agent, runner: null },
  { ...agent, permissions: { mode: "yolo" } },
  { ...agent, permissions: { mode: "ask", allow: [""] } },
  { ...agent, permissions: null },
  { ...agent, accountName: 3 },
  { agentId: "agt_x" },
  [],
  null,
  "text",
];

Deno.test("quick agent parse: what zod returns, or null (never accepts what zod refuses)", () => {
  let quick = 0;
  for (const raw of agentFiles) {
    const zod = agentConfigSchema.safeParse(raw);
    const fast = quickAgentConfig(raw);
    if (fast === null) continue;
    quick++;
    assertEquals(zod.success, true, JSON.stringify(raw));
    assertEquals(fast, zod.data, JSON.stringify(raw));
  }
  assertEquals(quick, 6, "every ordinary file takes the quick path");
});

Deno.test("quick global and sessions parse: what zod returns, or null", () => {
  const globals: unknown[] = [
    {},
    { anthropicApiKey: "sk", openaiApiKey: "o", futureSetting: { a: 1 } },
    { anthropicApiKey: "" },
    { openaiApiKey: 1 },
    [],
  ];
  const sessions: unknown[] = [
    { sessions: [] },
    { sessions: [{ sessionId: "s", resume: "", extra: 1 }], extra: 2 },
    { sessions: [{ sessionId: "s" }] },
    { sessions: {} },
    {},
  ];
  const agree = (raw: unknown, zod: { success: boolean; data?: unknown }, fast: unknown) => {
    if (fast === null) return 0;
    assertEquals(zod.success, true, JSON.stringify(raw));
    assertEquals(fast, zod.data, JSON.stringify(raw));
    return 1;
  };
  let accepted = 0;
  for (const raw of globals) {
    accepted += agree(raw, globalConfigSchema.safeParse(raw), quickGlobalConfig(raw));
  }
  for (const raw of sessions) {
    accepted += agree(raw, sessionsFileSchema.safeParse(raw), quickSessionsFile(raw));
  }
  assertEquals(accepted, 4);
});
