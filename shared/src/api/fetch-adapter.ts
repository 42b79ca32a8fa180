/**
 * The server adapter, re-exported from here so the server uses the very same `@trpc/server`
 * module instance as the router: `tracked()` envelopes are recognised by a module-local symbol,
 * and a second copy of the package (pnpm resolves peers per importer) would not see them.
 */
export { fetchRequestHandler } from '@trpc/server/adapters/fetch';
