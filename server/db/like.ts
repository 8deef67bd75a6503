import { sql, type Expression, type SqlBool } from 'kysely';

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
