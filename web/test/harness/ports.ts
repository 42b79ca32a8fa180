/** Test code asks for ports through the same helper as `pnpm start`. */
export { freePort } from '../../tools/local-redis.ts';
