import fs from 'node:fs';
import path from 'node:path';

// The same code runs from server/ (tests, ts-jest) and from dist/server/ (production build), so the
// project root is found by walking up to package.json rather than by a fixed number of '..'.
function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
}

export const projectRoot = findRoot(__dirname);
export const viewsDir = path.join(projectRoot, 'views');
export const publicDir = path.join(projectRoot, 'public');
export const contentDir = path.join(projectRoot, 'content');
