import { assertEquals, assertIncludes } from "../test/assert.ts";
import {
  describeEstimate,
  estimateEmbed,
  type GraphInfo,
  measureEmbed,
  reachablePackages,
} from "./embed_size.ts";

const info: GraphInfo = {
  modules: [
    { specifier: "file:///a/main.ts", kind: "esm", size: 1000 },
    { specifier: "file:///a/deno.json", kind: "asserted", size: 200 },
    { specifier: "npm:/x@1", kind: "npm", npmPackage: "x@1_peer@2" },
    { specifier: "node:path", kind: "node" },
  ],
  npmPackages: {
    "x@1_peer@2": { name: "x", dependencies: ["y@1", "peer@2"] },
    "y@1": { name: "y", dependencies: ["x@1_peer@2"] },
    "peer@2": { name: "peer", dependencies: [] },
    "unused@3": { name: "unused", dependencies: [] },
  },
};

Deno.test("embed estimate: packages the graph imports and their dependencies, cycles once", () => {
  assertEquals(reachablePackages(info), ["peer@2", "x@1_peer@2", "y@1"]);
  assertEquals(reachablePackages({ modules: [], npmPackages: info.npmPackages }), []);
});

Deno.test("embed estimate: modules with a size plus reachable package bytes, largest first", () => {
  const sizes = new Map([["x@1_peer@2", 50], ["y@1", 300], ["unused@3", 10_000]]);
  const estimate = estimateEmbed(info, sizes);
  assertEquals(estimate, {
    modules: 2,
    moduleBytes: 1200,
    packages: [
      { id: "y@1", bytes: 300 },
      { id: "x@1_peer@2", bytes: 50 },
      { id: "peer@2", bytes: 0 },
    ],
    npmBytes: 350,
    total: 1550,
  });
  const line = describeEstimate("the agent", estimate);
  assertIncludes(line, "2 modules");
  assertIncludes(line, "2 npm packages");
  assertIncludes(line, "largest y@1");
});

Deno.test("embed estimate of hello.ts: its own bytes, no npm package", async () => {
  const hello = new URL("../bench/hello.ts", import.meta.url).pathname;
  const config = new URL("../deno.json", import.meta.url).pathname;
  const estimate = await measureEmbed(hello, config);
  assertEquals(estimate.modules, 1);
  assertEquals(estimate.total, (await Deno.stat(hello)).size);
});
