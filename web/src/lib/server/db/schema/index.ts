/** Every table of the relay, one module per feature. drizzle-kit reads this file (drizzle.config.ts). */
export * from './users.ts';
export * from './auth.ts';
export * from './agents.ts';
export * from './pairing.ts';
export * from './sessions.ts';
export * from './team.ts';
export * from './billing.ts';
