/**
 * The hello-world baseline of `agent_bench.ts`: run, compiled and idled exactly as the agent is.
 * It prints one line (the start-up mark) and then stays alive doing nothing (the idle mark).
 *
 * @module
 */
console.log("hello");
// One far-off timer keeps the event loop alive without waking it.
setInterval(() => {}, 1 << 30);
