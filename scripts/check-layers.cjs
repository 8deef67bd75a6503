#!/usr/bin/env node
// The layer rules of ../shared/DESIGN.md as code, run by `npm run lint`. It reads every import of
// server/ with TypeScript's own parser (so `import type` is told apart from a runtime import) and
// fails on a forbidden import or a cycle between folders that layers-allowlist.json does not name.
// Usage: node scripts/check-layers.cjs [--root DIR] [--graph]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const args = process.argv.slice(2);
const root = path.resolve(args.includes('--root') ? args[args.indexOf('--root') + 1] : path.join(__dirname, '..'));
const printGraph = args.includes('--graph');
const serverDir = path.join(root, 'server');

/** Folders that are not features: infrastructure the features build on. */
const INFRASTRUCTURE = new Set(['http', 'db']);
/** Packages that belong to the web layer only. */
const WEB_PACKAGES = /^(express|express-[a-z-]+|multer|passport[a-z-]*|csrf-sync|helmet)$/;

function listTs(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return listTs(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** server/<folder>/... → folder; a file directly in server/ belongs to the composition root "(root)". */
function folderOf(rel) {
  const parts = rel.split('/');
  return parts.length > 2 ? parts[1] : '(root)';
}

function kindOf(rel) {
  const base = path.basename(rel, '.ts');
  const folder = folderOf(rel);
  // A routes file's request schemas (`requests.ts`, `<stem>-requests.ts`) belong to the web layer with it.
  const requests = base === 'requests' || base.endsWith('-requests');
  if (folder === '(root)') return base.endsWith('routes') || requests ? 'route' : 'root';
  if (INFRASTRUCTURE.has(folder)) return folder;
  // Express middleware that belongs to one feature's routes (rate limiters, upload readers) is web layer too.
  if (base === 'routes' || base.endsWith('-routes') || base.endsWith('-middleware') || requests) return 'route';
  if (base === 'store' || base.endsWith('-store')) return 'store';
  return 'service';
}

/** Each import or re-export of a file: its target (a server/ path or a package name) and whether it is type-only. */
function importsOf(file) {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const found = [];
  const add = (specifier, typeOnly) => {
    if (specifier.startsWith('.')) {
      let target = path.resolve(path.dirname(file), specifier);
      if (fs.existsSync(`${target}.ts`)) target = `${target}.ts`;
      else if (fs.existsSync(path.join(target, 'index.ts'))) target = path.join(target, 'index.ts');
      found.push({ target: path.relative(root, target).split(path.sep).join('/'), local: true, typeOnly });
    } else {
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      found.push({ target: name.replace(/^node:/, 'node:'), local: false, typeOnly });
    }
  };
  for (const st of source.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const clause = st.importClause;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!clause.namedBindings
        && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0
        && clause.namedBindings.elements.every((el) => el.isTypeOnly)));
      add(st.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      add(st.moduleSpecifier.text, st.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference)
      && ts.isStringLiteral(st.moduleReference.expression)) {
      add(st.moduleReference.expression.text, st.isTypeOnly);
    }
  }
  return found;
}

/** The module rules: each returns a reason when `from` may not import `imp`. */
const RULES = {
  'store-no-web': (from, imp) => kindOf(from) === 'store'
    && ((!imp.local && WEB_PACKAGES.test(imp.target)) || (imp.local && folderOf(imp.target) === 'http'))
    && 'a store holds queries only: no express or server/http',
  'service-no-web': (from, imp) => kindOf(from) === 'service'
    && ((!imp.local && WEB_PACKAGES.test(imp.target)) || (imp.local && folderOf(imp.target) === 'http'))
    && 'services throw rule errors and never see express or server/http',
  'http-no-feature': (from, imp) => kindOf(from) === 'http' && imp.local && !imp.typeOnly
    && !INFRASTRUCTURE.has(folderOf(imp.target)) && folderOf(imp.target) !== '(root)'
    && 'server/http is shared by every feature and imports none of them',
  'route-no-db': (from, imp) => kindOf(from) === 'route'
    && ((!imp.local && imp.target === 'kysely') || (imp.local && folderOf(imp.target) === 'db' && !imp.typeOnly)
      || (imp.local && kindOf(imp.target) === 'store'))
    && 'routes call services; only stores and db/ see the database',
  'route-no-foreign-routes': (from, imp) => kindOf(from) === 'route' && imp.local && kindOf(imp.target) === 'route'
    && folderOf(imp.target) !== folderOf(from)
    && "a route never imports another feature's routes",
};

function loadAllowlist() {
  const file = path.join(root, 'layers-allowlist.json');
  if (!fs.existsSync(file)) return [];
  const list = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const e of list) {
    if (!e.rule || !e.from || !e.to || typeof e.reason !== 'string' || e.reason.trim().length < 10) {
      throw new Error(`layers-allowlist.json: every entry needs rule, from, to and a reason: ${JSON.stringify(e)}`);
    }
  }
  return list;
}

/** Strongly connected folder groups (Tarjan) of more than one folder: each is a cycle. */
function folderCycles(edges) {
  const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])])].sort();
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const groups = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index += 1; stack.push(v); on.add(v);
    for (const w of [...(edges.get(v) ?? [])].sort()) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const group = [];
      let w;
      do { w = stack.pop(); on.delete(w); group.push(w); } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const n of nodes) if (!idx.has(n)) visit(n);
  return groups;
}

function main() {
  if (!fs.existsSync(serverDir)) { console.error(`check-layers: no server/ folder under ${root}`); process.exit(2); }
  const allowlist = loadAllowlist();
  const used = new Set();
  const allowed = (rule, from, to) => {
    const i = allowlist.findIndex((e) => e.rule === rule && e.from === from && e.to === to);
    if (i >= 0) used.add(i);
    return i >= 0;
  };
  const problems = [];
  const folderEdges = new Map();
  const allEdges = new Map();
  for (const file of listTs(serverDir)) {
    const from = path.relative(root, file).split(path.sep).join('/');
    for (const imp of importsOf(file)) {
      for (const [rule, check] of Object.entries(RULES)) {
        const reason = check(from, imp);
        if (reason && !allowed(rule, from, imp.target)) problems.push(`${rule}: ${from} imports ${imp.target} (${reason})`);
      }
      if (imp.local && !imp.typeOnly && imp.target.startsWith('server/')) {
        const a = folderOf(from);
        const b = folderOf(imp.target);
        if (a !== b && a !== '(root)' && b !== '(root)') {
          if (!allEdges.has(a)) allEdges.set(a, new Set());
          allEdges.get(a).add(b);
        }
      }
    }
  }
  // A folder-cycle exception is needed only while its edge exists and still closes a cycle.
  const inCycle = new Map(folderCycles(allEdges).flatMap((group, i) => group.map((folder) => [folder, i])));
  for (const [a, bs] of allEdges) {
    for (const b of bs) {
      const exempt = allowed('folder-cycle', a, b) && inCycle.has(a) && inCycle.get(a) === inCycle.get(b);
      if (exempt) continue;
      if (!folderEdges.has(a)) folderEdges.set(a, new Set());
      folderEdges.get(a).add(b);
    }
  }
  allowlist.forEach((e, i) => {
    if (e.rule === 'folder-cycle' && !(inCycle.has(e.from) && inCycle.get(e.from) === inCycle.get(e.to) && allEdges.get(e.from)?.has(e.to))) used.delete(i);
  });
  if (printGraph) {
    for (const [a, bs] of [...allEdges.entries()].sort()) console.log(`${a} -> ${[...bs].sort().join(', ')}`);
  }
  for (const group of folderCycles(folderEdges)) {
    const inside = group.flatMap((a) => [...(folderEdges.get(a) ?? [])].filter((b) => group.includes(b)).map((b) => `${a} -> ${b}`));
    problems.push(`folder-cycle: ${group.join(', ')} import each other at run time (${inside.join('; ')})`);
  }
  // The allowlist may only shrink: an entry that no longer matches anything must be removed.
  allowlist.forEach((e, i) => {
    if (!used.has(i)) problems.push(`allowlist: entry no longer needed, remove it: ${e.rule} ${e.from} -> ${e.to}`);
  });
  if (problems.length) {
    console.error(`Layer rules (see ../shared/DESIGN.md): ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    for (const p of problems) console.error(`  ${p}`);
    process.exit(1);
  }
  console.log(`Layer rules hold (${allowlist.length} allowlisted exception${allowlist.length === 1 ? '' : 's'}).`);
}

main();
