import { expect } from 'vitest';
import { ConfigError, formatIssue } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/parse.js';

/** The formatted problems of a config that must be refused. */
export function errorsOf(text: string): string[] {
  try {
    parseConfig(text, 'tandem.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map(formatIssue);
  }
  throw new Error('expected the config to be refused');
}
