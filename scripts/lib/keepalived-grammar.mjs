#!/usr/bin/env node
/*
 * Writes src/config/keepalived/grammar.ts: which keywords Keepalived's parser knows in which
 * block, and which of them read a block of their own, read from Keepalived's C source.
 *
 *   node scripts/lib/keepalived-grammar.mjs KEEPALIVED_SOURCE_DIR COMMIT > src/config/keepalived/grammar.ts
 *
 * KEEPALIVED_SOURCE_DIR holds Keepalived's keepalived/ and lib/ folders (a checkout, or
 * `git archive COMMIT keepalived lib | tar -x`). The keyword tree is what the install_keyword*
 * calls build when every init function runs (every #ifdef branch taken: a keyword of an
 * optional feature is known rather than unknown): install_keyword_root starts a top-level
 * block, install_keyword adds to the block `install_sublevel` calls deep under the last keyword,
 * as lib/parser.c's keyword_alloc_sub does. A keyword whose handler (or a function it calls)
 * calls alloc_value_block or read_value_block reads a block of lines itself (virtual_ipaddress,
 * track_script, notification_email...).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const [root, commit = 'unknown'] = process.argv.slice(2);
if (!root) {
  console.error('usage: keepalived-grammar.mjs KEEPALIVED_SOURCE_DIR [COMMIT]');
  process.exit(2);
}

function* cFiles(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* cFiles(p);
    else if (name.endsWith('.c')) yield p;
  }
}

/** Comments and character literals out, strings kept. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|("(?:\\.|[^"\\\n])*")|'(?:\\.|[^'\\\n])+'/g, (m, str) => str ?? ' ');
}

/** Function name -> { params, body } for every function defined at column 0 (Keepalived's style). */
const functions = new Map();
for (const file of cFiles(root)) {
  const lines = stripComments(readFileSync(file, 'utf8')).split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const head = /^(?:[\w\s*]+?[\s*])?(\w+)\s*\(([^;{]*)\)\s*$/.exec(lines[i]);
    if (!head || lines[i + 1] !== '{' || /^(if|while|for|switch)$/.test(head[1])) continue;
    let end = i + 2;
    while (end < lines.length && lines[end] !== '}') end++;
    const params = head[2].split(',').map((p) => (/(\w+)\s*(?:\[\])?\s*$/.exec(p.trim()) ?? [])[1]).filter(Boolean);
    // A name defined twice (#ifdef alternatives): the bodies' calls are all kept.
    const body = lines.slice(i + 2, end).join('\n');
    const known = functions.get(head[1]);
    functions.set(head[1], { params, body: known ? `${known.body}\n${body}` : body });
    i = end;
  }
}

/** The arguments of the call whose '(' is at `open`. */
function callArgs(text, open) {
  const args = [];
  let depth = 0;
  let current = '';
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return args;
      current += text.slice(i, close + 1);
      i = close;
      continue;
    }
    if (c === '(') {
      depth++;
      if (depth === 1) continue;
    } else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(current.trim());
        return args;
      }
    } else if (c === ',' && depth === 1) {
      args.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  return args;
}

const INSTALL = new Set(['install_keyword_root', 'install_keyword', 'install_keyword_quoted', 'install_sublevel', 'install_sublevel_end']);

/** The calls in a body, in order: name and arguments. */
function calls(body) {
  const out = [];
  for (const m of body.matchAll(/\b(\w+)\s*\(/g)) out.push({ name: m[1], args: callArgs(body, m.index + m[0].length - 1) });
  return out;
}

/** A test of function names: true for a function that calls one of `direct`, itself or through the functions it calls. */
function callsAny(direct) {
  const known = new Map();
  const test = (name, seen = new Set()) => {
    if (known.has(name)) return known.get(name);
    const f = functions.get(name);
    if (!f || seen.has(name)) return false;
    seen.add(name);
    const yes = calls(f.body).some((c) => direct.has(c.name) || (c.name !== name && test(c.name, seen)));
    known.set(name, yes);
    return yes;
  };
  return test;
}

/** Whether a function installs keywords. */
const doesInstall = callsAny(INSTALL);
/** Whether a handler reads a block of lines itself (alloc_value_block / read_value_block). */
const doesReadBlock = callsAny(new Set(['alloc_value_block', 'read_value_block']));

/** A keyword node: its handler, and the keywords of its sub-level. */
const tree = { sub: new Map() };
let sublevel = 0;
const literal = (arg, env) => {
  const m = /^"(.*)"$/.exec(arg);
  if (m) return m[1];
  return env[arg];
};

function lastAt(depth) {
  let node = [...tree.sub.values()].at(-1);
  for (let i = 0; i < depth; i++) node = [...node.sub.values()].at(-1);
  return node;
}

function add(into, keyword, handler) {
  // The same keyword installed again (a root block per process, a keyword in two #ifdef
  // branches) is one keyword whose sub-level holds both installs' keywords.
  const node = into.get(keyword) ?? { sub: new Map(), handlers: new Set() };
  if (handler) node.handlers.add(handler);
  into.delete(keyword);
  into.set(keyword, node);
}

function run(name, env = {}, stack = []) {
  const f = functions.get(name);
  if (!f || stack.includes(name)) return;
  for (const c of calls(f.body)) {
    const handler = /&?\s*(\w+)/.exec(c.args[1] ?? '')?.[1];
    if (c.name === 'install_keyword_root') {
      sublevel = 0;
      const keyword = literal(c.args[0], env);
      if (keyword) add(tree.sub, keyword, handler === 'NULL' ? undefined : handler);
    } else if (c.name === 'install_keyword' || c.name === 'install_keyword_quoted') {
      const keyword = literal(c.args[0], env);
      const parent = lastAt(sublevel);
      if (keyword && parent) add(parent.sub, keyword, handler === 'NULL' ? undefined : literal(c.args[1], env) === undefined ? (env[handler] ?? handler) : handler);
    } else if (c.name === 'install_sublevel') {
      sublevel++;
    } else if (c.name === 'install_sublevel_end') {
      sublevel--;
    } else if (doesInstall(c.name)) {
      const callee = functions.get(c.name);
      const inner = Object.fromEntries(callee.params.map((p, i) => [p, literal(c.args[i] ?? '', env) ?? /&?\s*(\w+)/.exec(c.args[i] ?? '')?.[1]]));
      run(c.name, inner, [...stack, name]);
    }
  }
}

// Every init function nothing else calls: the parsers of the parent, VRRP, checker and BFD processes.
const called = new Set();
for (const [name, f] of functions) if (doesInstall(name)) for (const c of calls(f.body)) if (c.name !== name) called.add(c.name);
const entries = [...functions.keys()].filter((n) => doesInstall(n) && !called.has(n) && !INSTALL.has(n)).sort();
for (const e of entries) {
  sublevel = 0;
  run(e);
}

/** 0: a plain keyword; 1: it reads a block of lines; an object: its sub-level. */
function shape(node) {
  if (node.sub.size) return Object.fromEntries([...node.sub.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, n]) => [k, shape(n)]));
  return [...node.handlers].some((h) => doesReadBlock(h)) ? 1 : 0;
}

const grammar = shape(tree);
const body = JSON.stringify(grammar, null, 2).replace(/"([A-Za-z_][\w]*)":/g, '$1:');
process.stdout.write(`/*
 * Generated by scripts/lib/keepalived-grammar.mjs from Keepalived's source
 * (github.com/acassen/keepalived at ${commit}); do not edit by hand.
 *
 * The keywords Keepalived's parser knows in each block: 0 for a keyword that takes no block, 1
 * for one that reads a block of lines itself (virtual_ipaddress, track_script...), an object for
 * one that opens a block of keywords (its keywords). Init functions read: ${entries.join(', ')}.
 */
export type KeepalivedGrammar = { readonly [keyword: string]: 0 | 1 | KeepalivedGrammar };

export const KEEPALIVED_GRAMMAR: KeepalivedGrammar = ${body};
`);
