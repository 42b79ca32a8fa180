/**
 * What a `deno` child started with a hand-built environment (`clearEnv`, or Node's `env:`)
 * needs from its parent to load `npm:` packages: where the cache is, which registry, which
 * certificates to trust, which proxy to use. Without them a child on an empty cache cannot
 * download what its parent never loaded. A pure function over an environment object, so the
 * Node side (e2e) uses the same list as the Deno tests.
 */

/** Variables `deno` reads to find its cache and reach and trust the npm registry. */
export const DENO_NETWORK_VARIABLES = [
  // where the cache is (and ~/.npmrc)
  "DENO_DIR",
  "XDG_CACHE_HOME",
  "HOME",
  "NPM_CONFIG_REGISTRY",
  // which certificate authorities to trust
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  // which proxy to use (deno reads either case)
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "all_proxy",
  "no_proxy",
] as const;

const PROXIES = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"];
const LOOPBACK = ["localhost", "127.0.0.1", "::1"];

/**
 * The subset of `parent` in {@link DENO_NETWORK_VARIABLES}. When a proxy is passed on,
 * loopback is added to NO_PROXY: the children of our tests talk to relays and fakes on
 * 127.0.0.1, which a proxy elsewhere cannot reach.
 */
export function denoNetworkEnv(
  parent: Record<string, string | undefined>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of DENO_NETWORK_VARIABLES) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  if (PROXIES.some((name) => env[name] || env[name.toLowerCase()])) {
    const listed = (env.NO_PROXY || env.no_proxy || "").split(",").map((h) => h.trim());
    const noProxy = [...listed.filter(Boolean), ...LOOPBACK.filter((h) => !listed.includes(h))]
      .join(",");
    env.NO_PROXY = noProxy;
    env.no_proxy = noProxy;
  }
  return env;
}
