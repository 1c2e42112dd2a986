import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from './errors.js';
import type { ConfigIssue } from './errors.js';
import { formatPath, Locator } from './locate.js';
import type { ConfigPath } from './locate.js';
import type { Config } from './schema.js';
import { checkRules } from './rules.js';
import { checkSchema } from './validate-schema.js';

export interface Problem {
  path: ConfigPath;
  key?: string;
  message: string;
  rule: string;
}

export interface ParsedConfig {
  config: Config;
  warnings: ConfigIssue[];
  /** Positions for problems found later (the auth key, at start). */
  locate(problem: Problem): ConfigIssue;
}

/**
 * YAML text -> a validated Config with defaults filled in. Every problem (YAML syntax, schema,
 * cross-field rules) is reported at once, each with file:line:column; throws ConfigError.
 */
export function parseConfig(text: string, file: string): ParsedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: '(yaml)', message: e.message.split('\n')[0] ?? e.message, rule: 'yaml' };
      }),
    );
  }
  const locator = new Locator(doc, lineCounter);
  const locate = (p: Problem): ConfigIssue => ({ file, ...locator.locate(p.path, p.key), path: formatPath(p.path), message: p.message, rule: p.rule });
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError([locate({ path: [], message: 'the file must hold a map of settings (auth, instances, ...)', rule: 'type' })]);
  }
  const schemaProblems = checkSchema(data);
  if (schemaProblems.length) throw new ConfigError(schemaProblems.map(locate));
  const config = data as Config;
  const { errors, warnings } = checkRules(config);
  if (errors.length) throw new ConfigError(errors.map(locate));
  return { config, warnings: warnings.map(locate), locate };
}
