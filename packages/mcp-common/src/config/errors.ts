import { PlatformError } from '../errors/base.ts';

/** One invalid environment variable. */
export interface ConfigIssue {
  /** The variable's name, e.g. `OPA_URL`. */
  variable: string;
  /** What is wrong with it (never its value: it may be a secret). */
  problem: string;
}

/** Start-up configuration is invalid; `issues` names every bad variable. */
export class ConfigError extends PlatformError<'ERR_CONFIG_INVALID'> {
  readonly issues: ConfigIssue[];

  constructor(service: string, issues: ConfigIssue[]) {
    super(
      'ERR_CONFIG_INVALID',
      `${service}: invalid configuration: ${issues.map((i) => `${i.variable}: ${i.problem}`).join('; ')}`,
    );
    this.issues = issues;
  }
}
