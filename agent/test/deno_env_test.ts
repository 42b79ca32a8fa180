import { assertEquals } from "./assert.ts";
import { denoNetworkEnv } from "./deno_env.ts";

Deno.test("denoNetworkEnv passes on cache, registry and certificates, nothing else", () => {
  const env = denoNetworkEnv({
    DENO_DIR: "/cache/deno",
    HOME: "/home/ada",
    NODE_EXTRA_CA_CERTS: "/etc/ca.pem",
    SSL_CERT_FILE: "/etc/ssl/cert.pem",
    NPM_CONFIG_REGISTRY: "https://registry.example/",
    ANTHROPIC_API_KEY: "sk-ant-not-for-children",
    PATH: "/usr/bin",
    UNSET: undefined,
  });
  assertEquals(env, {
    DENO_DIR: "/cache/deno",
    HOME: "/home/ada",
    NODE_EXTRA_CA_CERTS: "/etc/ca.pem",
    SSL_CERT_FILE: "/etc/ssl/cert.pem",
    NPM_CONFIG_REGISTRY: "https://registry.example/",
  });
});

Deno.test("denoNetworkEnv keeps loopback off a proxy it passes on", () => {
  assertEquals(denoNetworkEnv({ https_proxy: "http://proxy:3128" }), {
    https_proxy: "http://proxy:3128",
    NO_PROXY: "localhost,127.0.0.1,::1",
    no_proxy: "localhost,127.0.0.1,::1",
  });
  const env = denoNetworkEnv({ HTTP_PROXY: "http://proxy:3128", NO_PROXY: ".corp, 127.0.0.1" });
  assertEquals(env.NO_PROXY, ".corp,127.0.0.1,localhost,::1");
  assertEquals(env.no_proxy, env.NO_PROXY);
});
