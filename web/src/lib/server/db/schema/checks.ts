import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * `<column> IN ('a', 'b', …)` for a CHECK constraint. Status-like columns are `text` plus a
 * check rather than a `pgEnum`: adding a value later is a plain constraint swap in a
 * migration, while `ALTER TYPE … ADD VALUE` has transaction restrictions. The values are
 * compile-time constants of this module, never user input, so inlining them is safe
 * (drizzle-kit needs literals in constraint DDL, not bind parameters).
 */
export function oneOf(column: AnyPgColumn, values: readonly string[]): SQL {
	const list = values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ');
	return sql`${column} in (${sql.raw(list)})`;
}
