/** The agent's version, read from `deno.json` so it is defined in one place. */
import denoJson from "../deno.json" with { type: "json" };

/** Version of this `remoteagent` build, e.g. `0.1.0`. */
export const VERSION: string = denoJson.version;
