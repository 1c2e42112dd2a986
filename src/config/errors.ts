export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** Where in the data, e.g. `instances[0].vrid`. */
  path: string;
  message: string;
  /** The rule broken: a JSON Schema keyword or a tandem rule name. */
  rule: string;
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.path}: ${i.message} [${i.rule}]`;
}

/** A config that cannot be used; carries every issue found, each with its position. */
export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(`config: ${issues.length} error${issues.length === 1 ? '' : 's'}:\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'ConfigError';
  }
}
