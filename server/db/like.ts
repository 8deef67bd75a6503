import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { DB } from './schema';

/** Name, email or employee ID containing the text, ignoring case: the one people search everywhere. */
export function personMatches(eb: ExpressionBuilder<DB, 'users'>, search: string): Expression<SqlBool> {
  const text = search.toLowerCase();
  // lower() on both sides: SQLite's LIKE folds ASCII only and PostgreSQL's folds nothing.
  return eb.or([
    likeText(eb.fn('lower', ['users.name']), text, 'contains'),
    likeText(eb.ref('users.email_normalized'), text, 'contains'),
    likeText(eb.fn('lower', ['users.employee_id']), text, 'contains'),
  ]);
}

/**
 * `expr LIKE pattern ESCAPE '\'` with the user's text escaped, so "%" and "_" typed into a search box
 * match themselves. The explicit ESCAPE clause is needed: SQLite has no default escape character
 * (PostgreSQL's is "\"), and both accept this form.
 */
export function likeText(expr: Expression<unknown>, text: string, mode: 'contains' | 'prefix'): Expression<SqlBool> {
  const escaped = text.replace(/[\\%_]/g, '\\$&');
  const pattern = mode === 'contains' ? `%${escaped}%` : `${escaped}%`;
  return sql<SqlBool>`${expr} like ${pattern} escape '\\'`;
}
