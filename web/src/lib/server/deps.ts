/**
 * What every server feature is built from. Created once per process by `app.ts` (or by a test),
 * passed explicitly: no feature reads the environment or keeps request state in memory.
 */
import type { Redis } from '@upstash/redis';
import type { Config } from './config/schema.ts';
import type { Db } from './db/index.ts';
import type { Logger } from './log.ts';

export interface Deps {
	config: Config;
	db: Db;
	redis: Redis;
	log: Logger;
	/** Injected clock, so expiry is testable. */
	now: () => Date;
}
