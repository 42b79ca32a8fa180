import { defineConfig } from 'drizzle-kit';

/**
 * `pnpm db:generate` writes a new migration into ./drizzle after a schema change; review the SQL
 * and commit it. The app and `pnpm db:migrate` apply them (src/lib/server/db/migrate.ts).
 * No credentials here: generating needs only the schema.
 */
export default defineConfig({
	dialect: 'postgresql',
	schema: './src/lib/server/db/schema/index.ts',
	out: './drizzle',
	casing: 'snake_case',
	strict: true,
	verbose: true
});
