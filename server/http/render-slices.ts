import type { Application } from 'express';
import { Pacer } from '../pacer';

/** Items per render of the partial: a few milliseconds of template work each. */
const PER_RENDER = 500;

/**
 * Renders a partial once for each slice of `items` (passed to it as `locals[name]`) and joins the
 * HTML, letting the event loop run between slices (see Pacer). A page listing 20,000 rows rendered in
 * one call held every other request for the whole render (BENCHMARKS.md); the page then places the
 * joined rows with `<%- %>`: they were escaped by the partial, exactly as if it had been included.
 */
export async function renderSlices<T>(
  app: Application, view: string, name: string, items: readonly T[], pacer = new Pacer(),
): Promise<string> {
  const parts: string[] = [];
  for (let i = 0; i < items.length; i += PER_RENDER) {
    await pacer.pace();
    parts.push(await new Promise<string>((resolve, reject) => {
      app.render(view, { [name]: items.slice(i, i + PER_RENDER) }, (err: Error | null, html?: string) => (err ? reject(err) : resolve(html ?? '')));
    }));
  }
  return parts.join('');
}
