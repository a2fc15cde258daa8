import type { TextOf, Variable, ValueOf } from './variable.js';
import { RULES, VARIABLES } from './variables.js';
import type { VariableName, VariableValues } from './variables.js';

export { LOG_LEVELS } from './variables.js';
export type { LogLevel } from './variables.js';

type Declared = typeof VARIABLES;
type FieldOf<V> = V extends Variable<infer Field, unknown> ? Field : never;

/**
 * The typed configuration every module receives, one field per declared variable that names one
 * (src/config/variables.ts). Built once from the environment by `loadConfig`.
 */
export type AppConfig = { [Name in VariableName as FieldOf<Declared[Name]>]: ValueOf<Declared[Name]> };

/** A bad environment: its message names every bad variable. main.ts prints it and exits 1. */
export class ConfigError extends Error {}

type Environment = Record<string, string | undefined>;
type AnyVariable = Variable<string, unknown>;

const declared = (name: string): AnyVariable => {
  const found = (VARIABLES as Record<string, AnyVariable>)[name];
  if (!found) throw new Error(`no variable ${name} is declared in src/config/variables.ts`);
  return found;
};

/** An empty variable counts as unset, as in most shells' `NAME= command`. */
const given = (environment: Environment, name: string): string | undefined => {
  const text = environment[name]?.trim();
  return text === '' ? undefined : text;
};

/** The text a variable is read from: as set, else its default text; undefined when it has neither. */
function textOf(environment: Environment, name: string): string | undefined {
  const { default: fallback } = declared(name);
  const text = given(environment, name);
  if (text !== undefined) return text;
  if (typeof fallback === 'string') return fallback;
  if ('text' in fallback) return fallback.text(((other) => textOf(environment, other) ?? '') satisfies TextOf);
  return undefined;
}

/** Reads the named variables; throws a ConfigError naming every one that is bad. */
function read<Name extends VariableName>(environment: Environment, names: readonly Name[]): Pick<VariableValues, Name> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const name of names) {
    const { type, default: fallback } = declared(name);
    const text = textOf(environment, name);
    if (text === undefined) {
      values[name] = typeof fallback === 'object' && 'value' in fallback ? fallback.value : undefined;
      continue;
    }
    const parsed = type.schema.safeParse(text);
    if (parsed.success) values[name] = parsed.data;
    // A default that follows a bad variable (FAILED_TASK_RETENTION follows TASK_RETENTION) is that variable's problem.
    else if (given(environment, name) !== undefined || typeof fallback === 'string') {
      problems.push(`${name} must be ${type.accepts}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  return values as Pick<VariableValues, Name>;
}

/** Reads and validates the environment once. Throws a ConfigError naming every bad variable. */
export function loadConfig(environment: Environment): AppConfig {
  const values = read(environment, Object.keys(VARIABLES) as VariableName[]);
  const problems = RULES.flatMap((rule) => rule(values) ?? []);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  // AUTH_DISABLED wins over API_KEYS, so a deployment can be opened without deleting its secrets.
  if (values.AUTH_DISABLED) values.API_KEYS = [];
  const fields = Object.entries(VARIABLES as Record<string, AnyVariable>).flatMap(([name, { field }]) =>
    field === undefined ? [] : [[field, values[name as VariableName]]],
  );
  return Object.fromEntries(fields) as AppConfig;
}

/**
 * Where the migration runner migrates: DATABASE_LISTEN_URL when set, because migrations hold a
 * session-level advisory lock that a pooler in transaction mode would leave on a pooled server connection;
 * else DATABASE_URL. Only these two are read: a release step must not need the app's secrets (such as
 * API_KEYS in production) to migrate.
 */
export function loadMigrationDatabaseUrl(environment: Environment): string | undefined {
  const urls = read(environment, ['DATABASE_URL', 'DATABASE_LISTEN_URL']);
  return urls.DATABASE_LISTEN_URL ?? urls.DATABASE_URL;
}

/** Injection token for the AppConfig object. */
export const APP_CONFIG = Symbol('AppConfig');
