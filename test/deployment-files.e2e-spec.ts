// The deployment files (Dockerfile, .dockerignore, docker-compose.yml, fly.toml, docs/deploy.md) cannot be
// run here: no Docker engine, no Fly.io account. This test parses them and checks every script, file, port,
// health path, signal, timing and environment variable they name against the project itself: package.json,
// the build in dist/ (global setup runs `npm run build`), the config loader, the controllers' routes, main.ts
// and the README's configuration table. The last block breaks the files on purpose to show each check fails.
import 'reflect-metadata';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../src/config/app-config.js';
import type { AppConfig } from '../src/config/app-config.js';
import { VARIABLES } from '../src/config/variables.js';
import { HealthController } from '../src/health/health.controller.js';
import { TasksController } from '../src/tasks/tasks.controller.js';

type Env = Record<string, string>;
type Json = Record<string, unknown>;

/** Time a replica may need after SIGTERM beyond SHUTDOWN_GRACE_MS + CANCEL_GRACE_MS: hand tasks back, close. */
const HAND_BACK_MARGIN_MS = 2000;
/** Fly.io's largest kill_timeout, in seconds. */
const FLY_MAX_KILL_TIMEOUT_S = 300;
/** Variables that must never be written into fly.toml or the image: they are secrets. */
const SECRET_VARIABLES = ['DATABASE_URL', 'DATABASE_LISTEN_URL', 'API_KEYS'];

const read = (path: string): string => readFileSync(path, 'utf8');
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asObject = (value: unknown): Json => (isObject(value) ? value : {});
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const clone = <T>(value: T): T => structuredClone(value);
/** A parsed value as text: strings as they are, numbers and booleans printed, anything else as JSON. */
const text = (value: unknown, fallback = ''): string =>
  value === undefined || value === null
    ? fallback
    : typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
/** `overlay` on `base`, tables merged key by key, anything else (arrays included) replaced. */
const deepMerge = (base: Json, overlay: Json): Json =>
  Object.fromEntries(
    [...new Set([...Object.keys(base), ...Object.keys(overlay)])].map((key) => [
      key,
      isObject(base[key]) && isObject(overlay[key]) ? deepMerge(base[key], overlay[key]) : (overlay[key] ?? base[key]),
    ]),
  );

// ---------------------------------------------------------------------------------------------------------
// The project: what the deployment files may refer to.
// ---------------------------------------------------------------------------------------------------------

interface Project {
  scripts: Set<string>;
  /** Every variable the config loader reads (declared in src/config/variables.ts). */
  configVariables: Set<string>;
  /** Every variable in a table row of the README that starts with a `VARIABLE` cell. */
  documentedVariables: Set<string>;
  /** The health and task controllers' routes, as patterns (`:id` matches one segment). */
  routes: string[];
  healthRoutes: string[];
  /** Signals main.ts handles itself. */
  handledSignals: Set<string>;
}

function controllerRoutes(controller: { prototype: object }): string[] {
  const prefix = text(Reflect.getMetadata(PATH_METADATA, controller), '');
  const prototype = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype)
    .filter((name) => name !== 'constructor')
    .map((name) => prototype[name])
    .filter(
      (handler): handler is object => typeof handler === 'function' && Reflect.hasMetadata(PATH_METADATA, handler),
    )
    .map((handler) => text(Reflect.getMetadata(PATH_METADATA, handler)))
    .map(
      (path) =>
        `/${[prefix, path]
          .flatMap((part) => part.split('/'))
          .filter(Boolean)
          .join('/')}`,
    );
}

function loadProject(): Project {
  const packageJson = JSON.parse(read('package.json')) as { scripts?: Record<string, string> };
  const healthRoutes = controllerRoutes(HealthController);
  return {
    scripts: new Set(Object.keys(packageJson.scripts ?? {})),
    configVariables: new Set(Object.keys(VARIABLES)),
    documentedVariables: new Set([...read('README.md').matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)].map((m) => m[1])),
    routes: [...healthRoutes, ...controllerRoutes(TasksController)],
    healthRoutes,
    handledSignals: new Set(
      [...read('src/main.ts').matchAll(/process\.(?:once|on)\(\s*'(SIG[A-Z]+)'/g)].map((m) => m[1]),
    ),
  };
}

function routeExists(project: Project, path: string): boolean {
  const segments = path.split('?')[0].split('/');
  return project.routes.some((route) => {
    const parts = route.split('/');
    return parts.length === segments.length && parts.every((part, i) => part.startsWith(':') || part === segments[i]);
  });
}

function variableProblems(project: Project, where: string, names: string[]): string[] {
  return names.flatMap((name) => [
    ...(project.configVariables.has(name)
      ? []
      : [`${where}: ${name} is not read by the config (src/config/variables.ts)`]),
    ...(project.documentedVariables.has(name) ? [] : [`${where}: ${name} is not in the README's configuration table`]),
  ]);
}

/** The config the service would run with; a ConfigError becomes a problem. */
function effectiveConfig(where: string, env: Env, problems: string[]): AppConfig | undefined {
  try {
    return loadConfig(env);
  } catch (error) {
    problems.push(`${where}: the service would refuse to start: ${(error as Error).message}`);
    return undefined;
  }
}

/** `[env NAME=value …] node [flags] <script> …` → the script (relative to the image's WORKDIR) and env. */
function nodeCommand(where: string, command: unknown, problems: string[]): { script: string; env: Env } | undefined {
  const argv = Array.isArray(command) ? command.map(String) : text(command, '').split(/\s+/).filter(Boolean);
  const env: Env = {};
  let i = 0;
  if (argv[i] === 'env' || argv[i] === '/usr/bin/env') {
    for (i++; i < argv.length && /^[A-Z][A-Z0-9_]*=/.test(argv[i]); i++) {
      const [name, ...value] = argv[i].split('=');
      env[name] = value.join('=');
    }
  }
  if (argv[i] !== 'node') {
    problems.push(`${where}: runs ${JSON.stringify(argv.join(' '))}, not node itself (signals must reach node)`);
    return undefined;
  }
  const script = argv.slice(i + 1).find((word) => !word.startsWith('-'));
  if (!script || !script.startsWith('dist/') || !existsSync(script) || !statSync(script).isFile()) {
    problems.push(`${where}: ${script ?? '(no script)'} is not a file that \`npm run build\` produces`);
    return undefined;
  }
  return { script, env };
}

/** Milliseconds from a number (in units of `numberUnitMs`) or a Go-style duration (`20s`, `1m30s`, `500ms`). */
function durationMs(value: unknown, numberUnitMs: number): number | undefined {
  if (typeof value === 'number') return value * numberUnitMs;
  if (typeof value !== 'string' || !/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(value)) return undefined;
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)].reduce((sum, m) => sum + Number(m[1]) * unitMs[m[2]], 0);
}

function shutdownProblems(
  where: string,
  project: Project,
  signal: string,
  stopAfterMs: number | undefined,
  config: AppConfig,
) {
  const needed = config.shutdownGraceMs + config.cancelGraceMs + HAND_BACK_MARGIN_MS;
  return [
    ...(project.handledSignals.has(signal)
      ? []
      : [`${where}: stops with ${signal}, which src/main.ts does not handle`]),
    ...(stopAfterMs !== undefined && stopAfterMs >= needed
      ? []
      : [
          `${where}: kills after ${stopAfterMs} ms, less than SHUTDOWN_GRACE_MS ${config.shutdownGraceMs} + ` +
            `CANCEL_GRACE_MS ${config.cancelGraceMs} + ${HAND_BACK_MARGIN_MS} ms to hand tasks back`,
        ]),
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Dockerfile and .dockerignore
// ---------------------------------------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line) || (pending === '' && line.trim() === '')) continue;
    if (line.trimEnd().endsWith('\\')) {
      pending += `${line.trimEnd().slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    const match = /^(\w+)\s+([\s\S]*)$/.exec(whole);
    if (!match) throw new Error(`Dockerfile: cannot read ${JSON.stringify(whole)}`);
    instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim() });
  }
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [base, as, name] = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      stages.push({ base, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length > 0) stages[stages.length - 1].instructions.push(instruction);
    else if (instruction.keyword !== 'ARG') throw new Error(`Dockerfile: ${instruction.keyword} before FROM`);
  }
  return stages;
}

/** Leading `--flag=value` words, then the rest (JSON exec form or words). */
function splitFlags(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args;
  for (let m = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest); m; m = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest)) {
    flags[m[1]] = m[2] ?? 'true';
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

function words(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/).filter(Boolean);
}

function stageEnv(stage: Stage): Env {
  const env: Env = {};
  for (const { args } of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|'([^']*)'|\S*)/g))
      env[m[1]] = m[3] ?? m[4] ?? m[2];
  }
  return env;
}

interface IgnoreRule {
  negate: boolean;
  pattern: RegExp;
}

/** .dockerignore as Docker reads it: Go globs plus `**`, a rule also covers what is under a matching folder. */
function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const glob = posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, '');
      const regex = glob
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) =>
          part === '**/'
            ? '(?:.*/)?'
            : part === '**'
              ? '.*'
              : part === '*'
                ? '[^/]*'
                : part === '?'
                  ? '[^/]'
                  : part.replace(/[.+^${}()|\\]/g, '\\$&'),
        )
        .join('');
      return { negate, pattern: new RegExp(`^${regex}$`) };
    });
}

function isIgnored(rules: IgnoreRule[], path: string): boolean {
  const selfAndParents = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) if (selfAndParents.some((p) => rule.pattern.test(p))) ignored = !rule.negate;
  return ignored;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

interface DockerImage {
  runtime: Stage;
  env: Env;
  exposed: number[];
  cmd: string[];
}

function checkDockerfile(
  project: Project,
  stages: Stage[],
  ignore: IgnoreRule[],
): { problems: string[]; image: DockerImage } {
  const problems: string[] = [];
  const runtime = stages[stages.length - 1];
  const names = new Set(stages.map((stage) => stage.name));
  const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
  const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);

  if (stages.length < 2) problems.push('Dockerfile: not multi-stage (build, then a runtime without dev dependencies)');
  for (const { base } of stages.filter((stage) => !names.has(stage.base))) {
    if (!/^node:24\.\d+[.-]/.test(base)) problems.push(`Dockerfile: FROM ${base} is not Node 24 pinned to a minor`);
  }
  if (!/^node:24\S*(slim|alpine)/.test(runtime.base))
    problems.push(`Dockerfile: runtime FROM ${runtime.base} is not slim/alpine`);

  // Build stage(s): npm ci from the lock file, npm 11 (allowScripts), scripts that exist, dev dependencies pruned.
  const runs = stages.flatMap((stage) => all(stage, 'RUN').map((run) => ({ stage, command: run.args })));
  if (!runs.some(({ command }) => /\bnpm ci\b/.test(command))) problems.push('Dockerfile: no `npm ci`');
  for (const { command } of runs) {
    for (const [, script] of command.matchAll(/\bnpm run ([\w:.-]+)/g)) {
      if (!project.scripts.has(script)) problems.push(`Dockerfile: npm run ${script}: no such script in package.json`);
    }
    for (const [install] of command.matchAll(/\bnpm (?:install|i)\b[^&;|]*/g)) {
      const npmMajor = /--global\b.*\bnpm@(\d+)/.exec(install);
      if (!npmMajor) problems.push(`Dockerfile: \`${install.trim()}\` (dependencies come from \`npm ci\` only)`);
      else if (Number(npmMajor[1]) < 11)
        problems.push(`Dockerfile: npm ${npmMajor[1]} ignores package.json allowScripts`);
    }
  }

  // What the build copies from the context must exist and not be ignored, and must include every source file
  // behind dist/ and the tsconfig files the build reads.
  const copied: string[] = [];
  for (const stage of stages) {
    for (const copy of all(stage, 'COPY').filter((c) => !splitFlags(c.args).flags.from)) {
      const sources = words(splitFlags(copy.args).rest).slice(0, -1);
      for (const source of sources.map((s) => posix.normalize(s).replace(/\/$/, ''))) {
        copied.push(source);
        if (!existsSync(source)) problems.push(`Dockerfile: COPY ${source}: no such file in the project`);
        else if (isIgnored(ignore, source)) problems.push(`Dockerfile: COPY ${source}, but .dockerignore excludes it`);
      }
    }
  }
  const buildInputs = [
    'package.json',
    'package-lock.json',
    'tsconfig.build.json',
    'tsconfig.json',
    ...filesUnder('dist')
      .filter((file) => file.endsWith('.js'))
      .map((file) => file.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts'))
      .filter((file) => existsSync(file)),
  ];
  for (const input of buildInputs) {
    const inContext = copied.some((source) => input === source || input.startsWith(`${source}/`));
    if (!inContext || isIgnored(ignore, input))
      problems.push(`Dockerfile: the build needs ${input}, which is not copied in`);
  }
  for (const secret of ['node_modules', 'dist', '.data', '.git', '.env']) {
    if (!isIgnored(ignore, secret)) problems.push(`.dockerignore: ${secret} is not excluded from the build context`);
  }

  // Runtime stage.
  const fromStages = all(runtime, 'COPY').filter((c) => splitFlags(c.args).flags.from);
  for (const needed of ['package.json', 'node_modules', 'dist']) {
    const copy = fromStages.find((c) => words(splitFlags(c.args).rest).some((w) => basename(w) === needed));
    const source = copy && stages.find((stage) => stage.name === splitFlags(copy.args).flags.from);
    if (!source) problems.push(`Dockerfile: the runtime stage does not copy ${needed} from a build stage`);
    else if (
      needed === 'node_modules' &&
      !all(source, 'RUN').some((r) => /npm (prune|ci)\b.*--omit=dev/.test(r.args))
    ) {
      problems.push(`Dockerfile: node_modules is copied from stage ${source.name} without pruning dev dependencies`);
    }
  }
  const env = stageEnv(runtime);
  problems.push(...variableProblems(project, 'Dockerfile ENV', Object.keys(env)));
  if (env.NODE_ENV !== 'production') problems.push('Dockerfile: the runtime stage does not set NODE_ENV=production');
  for (const name of SECRET_VARIABLES.filter((n) => n in env))
    problems.push(`Dockerfile: ${name} is a secret, not an ENV`);
  const user = last(runtime, 'USER')?.args;
  if (!user || /^(root|0)(:|$)/.test(user)) problems.push(`Dockerfile: the runtime stage runs as ${user ?? 'root'}`);
  const exposed = all(runtime, 'EXPOSE').flatMap((e) => e.args.split(/\s+/).map((p) => Number(p.split('/')[0])));

  const stopSignal = last(runtime, 'STOPSIGNAL')?.args ?? 'SIGTERM';
  if (!project.handledSignals.has(stopSignal))
    problems.push(`Dockerfile: STOPSIGNAL ${stopSignal} is not handled by main.ts`);

  const entrypoint = last(runtime, 'ENTRYPOINT');
  const init = entrypoint && entrypoint.args.startsWith('[') ? words(entrypoint.args) : [];
  if (basename(init[0] ?? '') !== 'tini') problems.push('Dockerfile: ENTRYPOINT is not tini in exec form');
  else if (!all(runtime, 'RUN').some((r) => /apt-get install\b.*\btini\b|apk add\b.*\btini\b/.test(r.args))) {
    problems.push('Dockerfile: ENTRYPOINT runs tini, which the runtime stage does not install');
  }
  const cmd = last(runtime, 'CMD');
  if (!cmd || !cmd.args.startsWith('[')) problems.push('Dockerfile: CMD is not in exec form');
  const command = cmd ? words(cmd.args) : [];
  nodeCommand('Dockerfile CMD', command, problems);

  const healthcheck = last(runtime, 'HEALTHCHECK');
  if (!healthcheck || /^NONE\b/i.test(healthcheck.args)) problems.push('Dockerfile: no HEALTHCHECK');
  else {
    const probe = splitFlags(healthcheck.args).rest.replace(/^CMD\s+/i, '');
    const paths = [...probe.matchAll(/'(\/[\w/-]*)'/g)].map((m) => m[1]);
    if (paths.length === 0) problems.push('Dockerfile: HEALTHCHECK requests no path');
    for (const path of paths.filter((p) => !project.healthRoutes.includes(p))) {
      problems.push(`Dockerfile: HEALTHCHECK requests ${path}, not one of ${project.healthRoutes.join(', ')}`);
    }
    if (!/process\.env\.PORT/.test(probe)) problems.push('Dockerfile: HEALTHCHECK ignores PORT');
  }
  return { problems, image: { runtime, env, exposed, cmd: command } };
}

// ---------------------------------------------------------------------------------------------------------
// docker-compose.yml
// ---------------------------------------------------------------------------------------------------------

/** Compose's interpolation of an unset environment: `${NAME:-default}`, `${NAME-default}`, `${NAME}`, `$$`. */
function interpolate(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\$|\$\{([A-Z_][A-Z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_]\w*)/g,
      (match, _n, fallback, bare) => {
        if (match === '$$') return '$';
        if (bare !== undefined)
          throw new Error(`docker-compose.yml: ${match} is interpolated by Compose; write $${match}`);
        return (fallback as string | undefined) ?? '';
      },
    );
  }
  if (Array.isArray(value)) return value.map(interpolate);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]));
  return value;
}

function composeEnv(service: Json): Env {
  const environment = service.environment;
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      asArray(environment).map((entry) => text(entry).split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
  }
  return Object.fromEntries(Object.entries(asObject(environment)).map(([k, v]) => [k, text(v)]));
}

function dependsOn(service: Json, target: string): string | undefined {
  const depends = service.depends_on;
  if (Array.isArray(depends)) return depends.includes(target) ? 'service_started' : undefined;
  const entry = asObject(depends)[target];
  return entry === undefined ? undefined : text(asObject(entry).condition, 'service_started');
}

function checkCompose(project: Project, compose: Json, image: DockerImage): string[] {
  const problems: string[] = [];
  const services = asObject(compose.services);
  const volumes = asObject(compose.volumes);

  for (const [name, service] of Object.entries(services)) {
    const depends = asObject(service).depends_on;
    for (const target of Array.isArray(depends) ? depends.map(String) : Object.keys(asObject(depends))) {
      if (!(target in services)) problems.push(`compose ${name}: depends on ${target}, which is not a service`);
    }
  }

  // PostgreSQL 17 with a named volume and a healthcheck.
  const postgresEntry = Object.entries(services).find(([, s]) => text(asObject(s).image, '').startsWith('postgres'));
  if (!postgresEntry) return [...problems, 'compose: no PostgreSQL service'];
  const [postgresName, postgres] = [postgresEntry[0], asObject(postgresEntry[1])];
  if (!/^postgres:17([.-]|$)/.test(text(postgres.image)))
    problems.push(`compose: ${text(postgres.image)} is not PostgreSQL 17`);
  const dataVolume = asArray(postgres.volumes)
    .map((v) => (typeof v === 'string' ? v.split(':') : [asObject(v).source, asObject(v).target].map(String)))
    .find(([, target]) => target === '/var/lib/postgresql/data');
  if (!dataVolume || !(dataVolume[0] in volumes)) {
    problems.push(
      'compose: PostgreSQL data (/var/lib/postgresql/data) is not on a named volume declared under volumes',
    );
  }
  if (!JSON.stringify(asObject(postgres.healthcheck).test ?? '').includes('pg_isready')) {
    problems.push('compose: PostgreSQL has no pg_isready healthcheck');
  }
  const postgresEnv = composeEnv(postgres);

  // Our services: built from this folder's Dockerfile.
  const ours = Object.entries(services)
    .map(([name, s]) => [name, asObject(s)] as const)
    .filter(([, s]) => s.build === '.' || asObject(s.build).context === '.');
  if (ours.length === 0) problems.push('compose: no service is built from the Dockerfile');
  const roles = ours.map(([name, service]) => {
    const command = service.command ?? image.cmd;
    const run = nodeCommand(`compose ${name} command`, command, problems);
    const env = composeEnv(service);
    problems.push(...variableProblems(project, `compose ${name} environment`, Object.keys(env)));
    const config = effectiveConfig(`compose ${name}`, { ...image.env, ...env }, problems);
    if (config?.databaseUrl) {
      const url = new URL(config.databaseUrl);
      const expected = [
        postgresName,
        '5432',
        postgresEnv.POSTGRES_USER,
        postgresEnv.POSTGRES_PASSWORD,
        postgresEnv.POSTGRES_DB,
      ];
      const actual = [url.hostname, url.port || '5432', url.username, url.password, url.pathname.slice(1)];
      if (expected.join(' ') !== actual.join(' ')) {
        problems.push(
          `compose ${name}: DATABASE_URL does not point at the ${postgresName} service and its user/password/db`,
        );
      }
    }
    return { name, service, script: run?.script, config };
  });

  const migrate = roles.find((role) => role.script === 'dist/database/run-migrations.js');
  if (!migrate) problems.push('compose: no one-shot service runs dist/database/run-migrations.js');
  else {
    if (![undefined, 'no'].includes(migrate.service.restart as string | undefined)) {
      problems.push(`compose ${migrate.name}: a one-shot migration must not restart`);
    }
    if (dependsOn(migrate.service, postgresName) !== 'service_healthy') {
      problems.push(`compose ${migrate.name}: does not wait for ${postgresName} to be healthy`);
    }
  }

  const app = roles.find((role) => role.script === 'dist/main.js');
  if (!app) return [...problems, 'compose: no service runs dist/main.js'];
  const replicas = asObject(app.service.deploy).replicas;
  if (replicas !== 2) problems.push(`compose ${app.name}: deploy.replicas is ${text(replicas)}, not 2`);
  if (dependsOn(app.service, postgresName) !== 'service_healthy') {
    problems.push(`compose ${app.name}: does not wait for ${postgresName} to be healthy`);
  }
  if (migrate && dependsOn(app.service, migrate.name) !== 'service_completed_successfully') {
    problems.push(`compose ${app.name}: does not wait for ${migrate.name} to complete successfully`);
  }
  const appHealth = asObject(app.service.healthcheck);
  if (
    appHealth.disable === true ||
    (!app.service.healthcheck && !image.runtime.instructions.some((i) => i.keyword === 'HEALTHCHECK'))
  ) {
    problems.push(`compose ${app.name}: has no healthcheck`);
  }
  if (app.config) {
    problems.push(
      ...shutdownProblems(
        `compose ${app.name}`,
        project,
        text(app.service.stop_signal, 'SIGTERM'),
        durationMs(app.service.stop_grace_period ?? '10s', 1000),
        app.config,
      ),
    );
  }

  // One published port, on a proxy in front of the replicas.
  const published = Object.entries(services).flatMap(([name, s]) =>
    asArray(asObject(s).ports).map((p) => ({ name, port: typeof p === 'string' ? p : JSON.stringify(p) })),
  );
  if (published.length !== 1) problems.push(`compose: ${published.length} published ports, not one entry point`);
  // The compose file runs with an example API key anyone can read: reachable from this machine only.
  for (const { name, port } of published) {
    if (!port.startsWith('127.0.0.1:')) problems.push(`compose ${name}: publishes ${port} beyond localhost`);
  }
  const [proxyName, proxy] = [published[0]?.name, asObject(services[published[0]?.name ?? ''])];
  if (proxyName === app.name) problems.push(`compose ${app.name}: replicas cannot share one published port`);
  else if (proxyName !== undefined) {
    const content = asArray(proxy.configs)
      .map((c) => (typeof c === 'string' ? c : text(asObject(c).source)))
      .map((source) => text(asObject(asObject(compose.configs)[source]).content))
      .join('\n');
    const upstream = new RegExp(`\\bserver\\s+${app.name}:(\\d+)\\b[^;]*\\bresolve\\b`).exec(content);
    if (!upstream) problems.push(`compose ${proxyName}: its config does not proxy to ${app.name}:<port> with resolve`);
    else if (app.config && Number(upstream[1]) !== app.config.port) {
      problems.push(
        `compose ${proxyName}: proxies to port ${upstream[1]}, but the replicas listen on ${app.config.port}`,
      );
    }
    if (dependsOn(proxy, app.name) !== 'service_healthy')
      problems.push(`compose ${proxyName}: does not wait for healthy replicas`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// fly.toml and docs/deploy.md
// ---------------------------------------------------------------------------------------------------------

/** The secrets docs/deploy.md has the reader set: `fly mpg attach` (DATABASE_URL) and `fly secrets set NAME=…`. */
function documentedSecrets(deployDoc: string): Env {
  // Placeholders (`"$API_KEY"`, `'postgresql://…<password>…'`) become valid sample values; literals are kept.
  const secrets: Env = {};
  if (/\bfly mpg attach\b/.test(deployDoc)) secrets.DATABASE_URL = '';
  for (const line of deployDoc.split('\n').filter((l) => /\bfly secrets set\b/.test(l))) {
    for (const [, name, value] of line.matchAll(/\b([A-Z][A-Z0-9_]*)=(\S*)/g))
      secrets[name] = value.replace(/^["']|["']$/g, '');
  }
  const sample = (name: string, value: string): string =>
    /^(true|false|\d+)$/.test(value)
      ? value
      : name === 'DATABASE_URL' || name === 'DATABASE_LISTEN_URL'
        ? 'postgresql://fly-user:secret@direct.example.flympg.net/fly-db'
        : 'a-secret-value-of-32-characters!';
  return Object.fromEntries(Object.entries(secrets).map(([name, value]) => [name, sample(name, value)]));
}

function checkFly(project: Project, fly: Json, image: DockerImage, secrets: Env, where = 'fly.toml'): string[] {
  const problems: string[] = [];
  const dockerfile = text(asObject(fly.build).dockerfile, 'Dockerfile');
  if (!existsSync(dockerfile)) problems.push(`${where}: build.dockerfile ${dockerfile} does not exist`);

  const env = Object.fromEntries(Object.entries(asObject(fly.env)).map(([k, v]) => [k, text(v)]));
  problems.push(...variableProblems(project, `${where} [env]`, Object.keys(env)));
  for (const name of SECRET_VARIABLES.filter((n) => n in env))
    problems.push(`${where}: ${name} belongs in fly secrets, not [env]`);
  problems.push(...variableProblems(project, 'docs/deploy.md secrets', Object.keys(secrets)));

  const processes = Object.fromEntries(Object.entries(asObject(fly.processes)).map(([k, v]) => [k, text(v)]));
  const groups = Object.keys(processes).length > 0 ? Object.keys(processes) : ['app'];
  const configs = new Map<string, AppConfig>();
  for (const group of groups) {
    const run = nodeCommand(`${where} process ${group}`, processes[group] ?? image.cmd, problems);
    const config = effectiveConfig(
      `${where} process ${group}`,
      { ...image.env, ...env, ...secrets, ...run?.env },
      problems,
    );
    if (run && config) configs.set(group, config);
  }
  if (![...configs.values()].some((config) => config.workerEnabled))
    problems.push(`${where}: no process group runs tasks`);

  const release = asObject(fly.deploy).release_command;
  const migration = nodeCommand(`${where} release_command`, release, problems);
  if (migration && migration.script !== 'dist/database/run-migrations.js') {
    problems.push(`${where}: release_command runs ${migration.script}, not the migrations`);
  }

  const service = asObject(fly.http_service);
  const served = asArray(service.processes).map(String);
  for (const group of served.filter((g) => !groups.includes(g)))
    problems.push(`${where}: http_service serves unknown group ${group}`);
  const webGroups = served.length > 0 ? served : groups;
  for (const group of webGroups) {
    const port = configs.get(group)?.port;
    if (port !== undefined && service.internal_port !== port) {
      problems.push(`${where}: internal_port ${text(service.internal_port)}, but group ${group} listens on ${port}`);
    }
  }
  if (!image.exposed.includes(Number(service.internal_port))) {
    problems.push(`${where}: internal_port ${text(service.internal_port)} is not EXPOSEd by the Dockerfile`);
  }
  const checks = asArray(service.checks).map(asObject);
  if (!checks.some((check) => check.path === '/health/ready'))
    problems.push(`${where}: no http_service check on /health/ready`);
  for (const check of checks) {
    if (!project.healthRoutes.includes(text(check.path)))
      problems.push(`${where}: checks ${text(check.path)}, no such route`);
    if (check.method !== undefined && text(check.method).toUpperCase() !== 'GET')
      problems.push(`${where}: check is not GET`);
  }
  // A queue must keep running without HTTP traffic.
  const autoStop = service.auto_stop_machines;
  if (!(autoStop === 'off' || autoStop === false) && !(Number(service.min_machines_running) >= 1)) {
    problems.push(
      `${where}: idle machines may all be stopped (auto_stop_machines ${text(autoStop)}, min_machines_running 0)`,
    );
  }
  // Process groups without the public service still need a health check of their own.
  for (const group of groups.filter((g) => !webGroups.includes(g))) {
    const own = Object.values(asObject(fly.checks))
      .map(asObject)
      .filter((c) => asArray(c.processes).includes(group));
    if (!own.some((c) => project.healthRoutes.includes(text(c.path)) && Number(c.port) === configs.get(group)?.port)) {
      problems.push(`${where}: process group ${group} has no [checks] entry on a health route and its port`);
    }
  }

  problems.push(...metricsProblems(fly, configs, where));

  const killTimeoutMs = durationMs(fly.kill_timeout ?? 5, 1000);
  if (killTimeoutMs !== undefined && killTimeoutMs > FLY_MAX_KILL_TIMEOUT_S * 1000) {
    problems.push(`${where}: kill_timeout above Fly's maximum of ${FLY_MAX_KILL_TIMEOUT_S} s`);
  }
  for (const [group, config] of configs) {
    problems.push(
      ...shutdownProblems(`${where} ${group}`, project, text(fly.kill_signal, 'SIGINT'), killTimeoutMs, config),
    );
  }
  return problems;
}

/**
 * Fly's scraper sends no headers, so [metrics] must point at METRICS_PORT (which serves /metrics without the
 * API key) on every process group it scrapes: the main port's /metrics would answer it 401.
 */
function metricsProblems(fly: Json, configs: Map<string, AppConfig>, where: string): string[] {
  if (fly.metrics === undefined) return [`${where}: no [metrics] section: Fly does not scrape /metrics`];
  const problems: string[] = [];
  for (const metrics of Array.isArray(fly.metrics) ? fly.metrics.map(asObject) : [asObject(fly.metrics)]) {
    const path = text(metrics.path, '/metrics');
    if (path !== '/metrics') problems.push(`${where}: [metrics] path ${path}: METRICS_PORT serves only /metrics`);
    const scraped = asArray(metrics.processes).map(String);
    for (const [group, config] of configs) {
      if (scraped.length > 0 && !scraped.includes(group)) continue;
      if (config.metricsPort !== Number(metrics.port)) {
        problems.push(
          `${where}: [metrics] port ${text(metrics.port)}, but group ${group} serves open metrics on METRICS_PORT ${text(config.metricsPort, 'unset')}`,
        );
      }
    }
  }
  return problems;
}

/** The flyctl commands and checks docs/deploy.md must walk through, and the routes its curl commands use. */
function checkDeployDoc(project: Project, deployDoc: string, fly: Json, image: DockerImage): string[] {
  const problems: string[] = [];
  for (const step of [
    /fly launch\b[^\n]*--copy-config/,
    /fly mpg create\b/,
    /fly mpg attach\b/,
    /fly secrets set\b[^\n]*API_KEYS=/,
    /fly deploy\b/,
    /fly scale count\b/,
    /Authorization: Bearer/,
    /WORKER_ENABLED=false/,
    /transaction mode/i,
  ]) {
    if (!step.test(deployDoc)) problems.push(`docs/deploy.md: does not cover ${String(step)}`);
  }
  const base = /(?:https:\/\/[\w<>.-]+\.fly\.dev|http:\/\/localhost:4000|\$APP)(\/[^\s'"`)]*)/g;
  for (const [url, path] of deployDoc.matchAll(base)) {
    if (!routeExists(project, path.replace(/[.,:;]+$/, ''))) problems.push(`docs/deploy.md: ${url}: no such route`);
  }
  for (const [, script] of deployDoc.matchAll(/\bnpm run ([\w:.-]+)/g)) {
    if (!project.scripts.has(script)) problems.push(`docs/deploy.md: npm run ${script}: no such script`);
  }
  // Every fly.toml fragment in the guide, applied to fly.toml, must pass the same checks.
  const fragments = [...deployDoc.matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]);
  for (const [i, fragment] of fragments.entries()) {
    try {
      const variant = deepMerge(clone(fly), parseToml(fragment));
      problems.push(
        ...checkFly(project, variant, image, documentedSecrets(deployDoc), `docs/deploy.md toml block ${i + 1}`),
      );
    } catch (error) {
      problems.push(`docs/deploy.md toml block ${i + 1}: ${(error as Error).message}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------

describe('deployment files, checked against the project', () => {
  let project: Project;
  let dockerfile: string;
  let dockerignore: string;
  let compose: Json;
  let fly: Json;
  let deployDoc: string;
  const image = (dockerfileText = dockerfile, ignoreText = dockerignore) =>
    checkDockerfile(project, parseDockerfile(dockerfileText), parseDockerignore(ignoreText));

  beforeAll(() => {
    project = loadProject();
    dockerfile = read('Dockerfile');
    dockerignore = read('.dockerignore');
    compose = interpolate(parseYaml(read('docker-compose.yml'), { merge: true })) as Json;
    fly = parseToml(read('fly.toml'));
    deployDoc = read('docs/deploy.md');
  });

  it('reads what it checks against: scripts, built entry points, config variables, routes and signals', () => {
    expect(project.scripts).toContain('build');
    expect(existsSync('dist/main.js') && existsSync('dist/database/run-migrations.js')).toBe(true);
    expect([...project.configVariables]).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'SHUTDOWN_GRACE_MS']));
    expect([...project.documentedVariables]).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL']));
    expect(project.healthRoutes.sort()).toEqual(['/health', '/health/live', '/health/ready']);
    expect(routeExists(project, '/tasks/1')).toBe(true);
    expect([...project.handledSignals].sort()).toEqual(['SIGINT', 'SIGTERM']);
  });

  it('Dockerfile and .dockerignore: Node 24, npm ci, build, pruned, non-root, tini, health check, real paths', () => {
    expect(image().problems).toEqual([]);
  });

  it('docker-compose.yml: PostgreSQL 17 with volume and health check, one-shot migration, 2 replicas behind one port', () => {
    expect(checkCompose(project, compose, image().image)).toEqual([]);
  });

  it('fly.toml: port, /health/ready check, release_command migrations, kill_timeout, machines that keep running, [metrics] on METRICS_PORT', () => {
    expect(checkFly(project, fly, image().image, documentedSecrets(deployDoc))).toEqual([]);
  });

  it('docs/deploy.md: every step, real routes and scripts, and a [processes] split that passes the fly.toml checks', () => {
    expect(deployDoc).toMatch(/\[processes\]/);
    expect(checkDeployDoc(project, deployDoc, fly, image().image)).toEqual([]);
  });

  describe('each check fails on a broken file', () => {
    const replaced = (original: string, from: RegExp, to: string): string => {
      if (!from.test(original)) throw new Error(`the mutation's target ${String(from)} is gone`);
      return original.replace(from, to);
    };
    const dockerProblems = (from: RegExp, to: string) => image(replaced(dockerfile, from, to)).problems.join('\n');

    it.each([
      [/^FROM node:24\.\d+-bookworm-slim AS runtime$/m, 'FROM node:20-bookworm-slim AS runtime', /not Node 24/],
      [/^FROM node:24\.\d+-bookworm-slim AS runtime$/m, 'FROM node:24-bookworm-slim AS runtime', /pinned to a minor/],
      [/npm ci /, 'npm install ', /npm ci/],
      [/npm run build/, 'npm run compile', /no such script/],
      [/ && npm prune --omit=dev[^\n]*/, '', /without pruning/],
      [/^USER node$/m, '', /runs as root/],
      [/^CMD .*$/m, 'CMD ["npm", "start"]', /not node itself/],
      [/^CMD .*$/m, 'CMD ["node", "dist/server.js"]', /dist\/server\.js is not a file/],
      [/'\/health\/ready'/, "'/healthz'", /HEALTHCHECK requests \/healthz/],
      [/^ENTRYPOINT .*$/m, '', /ENTRYPOINT is not tini/],
      [/apt-get install --yes --no-install-recommends tini/, 'true', /does not install/],
      [/^STOPSIGNAL SIGTERM$/m, 'STOPSIGNAL SIGQUIT', /SIGQUIT is not handled/],
      [/^COPY src \.\/src$/m, 'COPY source ./src', /COPY source: no such file/],
      [/^ENV NODE_ENV=production/m, 'ENV NODE_ENV=production WORKERS=3', /WORKERS is not read/],
    ])('Dockerfile: %s → %s', (from, to, problem) => {
      expect(dockerProblems(from, to)).toMatch(problem);
    });

    it('.dockerignore excluding the sources, or not excluding node_modules', () => {
      expect(image(dockerfile, `${dockerignore}\nsrc/task-store\n`).problems.join('\n')).toMatch(
        /src\/task-store\/\S+\.ts/,
      );
      expect(image(dockerfile, dockerignore.replace(/^node_modules$/m, '')).problems.join('\n')).toMatch(
        /node_modules/,
      );
    });

    const composeProblems = (mutate: (services: Json) => void) => {
      const broken = clone(compose);
      mutate(asObject(broken.services));
      return checkCompose(project, broken, image().image).join('\n');
    };
    it.each<[string, (services: Json) => void, RegExp]>([
      ['PostgreSQL 16', (s) => (asObject(s.postgres).image = 'postgres:16'), /not PostgreSQL 17/],
      ['no volume', (s) => delete asObject(s.postgres).volumes, /named volume/],
      ['no healthcheck', (s) => delete asObject(s.postgres).healthcheck, /pg_isready/],
      ['one replica', (s) => (asObject(asObject(s.app).deploy).replicas = 1), /replicas is 1/],
      ['a missing migration script', (s) => (asObject(s.migrate).command = ['node', 'dist/migrate.js']), /not a file/],
      ['a restarting migration', (s) => (asObject(s.migrate).restart = 'always'), /must not restart/],
      ['app not waiting', (s) => delete asObject(asObject(s.app).depends_on).migrate, /complete successfully/],
      ['a short stop', (s) => (asObject(s.app).stop_grace_period = '10s'), /kills after 10000 ms/],
      [
        'a wrong host',
        (s) =>
          (asObject(s.app).environment = {
            ...composeEnv(asObject(s.app)),
            DATABASE_URL: 'postgres://tasksystem:tasksystem@db:5432/tasksystem',
          }),
        /DATABASE_URL does not point/,
      ],
      [
        'an unknown variable',
        (s) => (asObject(s.app).environment = { ...composeEnv(asObject(s.app)), WORKER_COUNT: '3' }),
        /WORKER_COUNT is not read/,
      ],
      [
        'production without keys',
        (s) => (asObject(s.app).environment = { ...composeEnv(asObject(s.app)), API_KEYS: '' }),
        /refuse to start/,
      ],
      ['ports on the replicas', (s) => (asObject(s.app).ports = ['4000:4000']), /published ports/],
      ['the entry point on every address', (s) => (asObject(s.proxy).ports = ['4000:80']), /beyond localhost/],
      [
        'a proxy to the wrong port',
        (s) => (asObject(s.app).environment = { ...composeEnv(asObject(s.app)), PORT: '5000' }),
        /listen on 5000/,
      ],
    ])('docker-compose.yml: %s', (_name, mutate, problem) => {
      expect(composeProblems(mutate)).toMatch(problem);
    });

    const flyProblems = (mutate: (fly: Json) => void) => {
      const broken = clone(fly);
      mutate(broken);
      return checkFly(project, broken, image().image, documentedSecrets(deployDoc)).join('\n');
    };
    it.each<[string, (fly: Json) => void, RegExp]>([
      ['kill_timeout too short', (f) => (f.kill_timeout = 10), /kills after 10000 ms/],
      ['kill_timeout over 300 s', (f) => (f.kill_timeout = '6m'), /Fly's maximum/],
      ['an unhandled kill_signal', (f) => (f.kill_signal = 'SIGUSR2'), /SIGUSR2/],
      [
        'a longer grace without a longer timeout',
        (f) => (asObject(f.env).SHUTDOWN_GRACE_MS = '60000'),
        /SHUTDOWN_GRACE_MS 60000/,
      ],
      ['the wrong internal port', (f) => (asObject(f.http_service).internal_port = 8080), /internal_port 8080/],
      [
        'a check on a missing route',
        (f) => (asObject(asArray(asObject(f.http_service).checks)[0]).path = '/ready'),
        /\/ready, no such route/,
      ],
      ['a missing release script', (f) => (asObject(f.deploy).release_command = 'node dist/migrate.js'), /not a file/],
      ['release through npm', (f) => (asObject(f.deploy).release_command = 'npm run migration:run'), /not node itself/],
      [
        'machines stopped when idle',
        (f) => Object.assign(asObject(f.http_service), { auto_stop_machines: 'stop', min_machines_running: 0 }),
        /idle machines/,
      ],
      ['a secret in [env]', (f) => (asObject(f.env).API_KEYS = 'x'), /fly secrets/],
      ['no [metrics]', (f) => delete f.metrics, /no \[metrics\] section/],
      ['no METRICS_PORT', (f) => delete asObject(f.env).METRICS_PORT, /METRICS_PORT unset/],
      ['a metrics port nothing serves', (f) => (asObject(f.metrics).port = 9999), /\[metrics\] port 9999/],
      ['metrics scraped on the main port', (f) => (asObject(f.metrics).port = 4000), /\[metrics\] port 4000/],
      ['a metrics path not served', (f) => (asObject(f.metrics).path = '/prometheus'), /path \/prometheus/],
      ['a misspelt variable', (f) => (asObject(f.env).WORKER_CONCURENCY = '5'), /WORKER_CONCURENCY is not read/],
      [
        'no worker group',
        (f) => (f.processes = { app: 'env WORKER_ENABLED=false node dist/main.js' }),
        /no process group runs tasks/,
      ],
      [
        'a worker group without a check',
        (f) =>
          Object.assign(f, {
            processes: { api: 'node dist/main.js', worker: 'node dist/main.js' },
            http_service: { ...asObject(f.http_service), processes: ['api'] },
          }),
        /group worker has no \[checks\]/,
      ],
    ])('fly.toml: %s', (_name, mutate, problem) => {
      expect(flyProblems(mutate)).toMatch(problem);
    });

    it('docs/deploy.md: a curl on a missing route, an unknown npm script, no API_KEYS secret', () => {
      const broken = `${deployDoc}\ncurl https://<your-app>.fly.dev/jobs\nnpm run deploy\n`;
      expect(checkDeployDoc(project, broken, fly, image().image).join('\n')).toMatch(
        /\/jobs: no such route[\s\S]*npm run deploy/,
      );
      const withoutKeys = deployDoc.replace(/fly secrets set\b[^\n]*API_KEYS=[^\n]*/g, '');
      expect(checkFly(project, fly, image().image, documentedSecrets(withoutKeys)).join('\n')).toMatch(
        /refuse to start.*API_KEYS/,
      );
    });
  });
});
