import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { parse as parseYaml } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../bot/config';
import { CaptureChannel } from './helpers/capture-channel';
import { copyTestModel, deletePrefix, testPrefix, TEST_REDIS_URL, waitFor } from './helpers/harness';
import { converse, STREETLIGHT_COMPLAINT } from './helpers/redis-servers';

/**
 * The deployment files (Dockerfile, deploy/compose.yaml, deploy/nginx.conf) cannot run here: these machines have no
 * container engine. What can be checked here is checked: the files' structure and references, the environment they
 * give the product (validated by the product's own configuration schema), and the image's runtime stage rebuilt as a
 * folder — the files it copies and production dependencies only — from which the web and worker commands are run, as
 * an unprivileged user, through a whole conversation.
 */
const ROOT = path.join(__dirname, '..');

interface Instruction {
  op: string;
  args: string;
}

function dockerfile(): Instruction[][] {
  const text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [, op, args] = /^(\S+)\s+(.*)$/.exec(line)!;
    if (op.toUpperCase() === 'FROM') stages.push([]);
    stages[stages.length - 1].push({ op: op.toUpperCase(), args: args.replace(/\s+/g, ' ') });
  }
  return stages;
}

/** COPY's sources and destination, without its flags. */
function copyParts(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(' ');
  const from = words.find((w) => w.startsWith('--from='))?.slice(7);
  const rest = words.filter((w) => !w.startsWith('--'));
  return { from, sources: rest.slice(0, -1), dest: rest[rest.length - 1] };
}

function dockerignore(): string[] {
  return fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

describe('Dockerfile', () => {
  const stages = dockerfile();
  const [build, runtime] = [stages[0], stages[stages.length - 1]];

  it('is multi-stage: builds in one stage and runs from another, on Node 20', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s[0].args).toMatch(/^node:20[-\w.]*( AS \w+)?$/i);
    expect(build.some((i) => i.op === 'RUN' && /npx tsc -p tsconfig\.json/.test(i.args))).toBe(true);
  });

  it('copies into the build only what exists and is not ignored', () => {
    const ignored = dockerignore();
    for (const i of build.filter((x) => x.op === 'COPY')) {
      for (const src of copyParts(i.args).sources) {
        expect({ src, exists: fs.existsSync(path.join(ROOT, src)) }).toEqual({ src, exists: true });
        expect({ src, ignored: ignored.some((g) => g === src || src.startsWith(g + '/')) }).toEqual({ src, ignored: false });
      }
    }
  });

  it('runs as a non-root user with production dependencies only, and starts the web process by default', () => {
    const users = runtime.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
    // Dependencies come from the build stage after `npm prune --omit=dev`, and nothing is installed in the runtime.
    expect(build.some((i) => i.op === 'RUN' && /npm prune --omit=dev/.test(i.args))).toBe(true);
    expect(runtime.some((i) => i.op === 'RUN' && /npm (ci|install)/.test(i.args))).toBe(false);
    expect(runtime.some((i) => i.op === 'COPY' && /--from=build/.test(i.args) && /node_modules/.test(i.args))).toBe(true);
    const cmd = JSON.parse(runtime.find((i) => i.op === 'CMD')!.args) as string[];
    expect(cmd).toEqual(['node', 'dist/bot/web.js']);
    expect(fs.existsSync(path.join(ROOT, cmd[1]))).toBe(true);
    expect(runtime.some((i) => i.op === 'HEALTHCHECK' && /\/healthz/.test(i.args))).toBe(true);
  });
});

describe('deploy/compose.yaml and deploy/nginx.conf', () => {
  const compose = parseYaml(fs.readFileSync(path.join(ROOT, 'deploy', 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, any>; volumes: Record<string, unknown> };
  const services = compose.services;
  const runtimeEnv = Object.fromEntries(
    dockerfile()
      .at(-1)!
      .filter((i) => i.op === 'ENV')
      .flatMap((i) => [...i.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]])),
  );
  const isHotline = (s: any) => s.image === 'hotline-12345:latest';
  /** The environment a service's process sees: the image's ENV, then compose's, with ${VAR:?…} and ${VAR:-…} filled as an operator would. */
  const envOf = (s: any): Record<string, string> => {
    const given: Record<string, string> = { DIRECTLINE_SECRET: 'x'.repeat(32), CONSOLE_ADMIN_PASSWORD: 'Secret-2026!' };
    const fill = (v: unknown) => String(v).replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_, name, kind, d) => given[name] ?? (kind === '-' ? d : ''));
    return { ...runtimeEnv, ...Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, fill(v)])) };
  };

  it('runs two web processes behind the load balancer and two worker processes from the one image', () => {
    const hotline = Object.entries(services).filter(([, s]) => isHotline(s));
    const web = hotline.filter(([, s]) => s.command.join(' ') === 'node dist/bot/web.js').map(([name]) => name);
    const workers = hotline.filter(([, s]) => s.command.join(' ') === 'node dist/workers/main.js');
    expect(web).toHaveLength(2);
    expect(workers.reduce((n, [, s]) => n + (s.deploy?.replicas ?? 1), 0)).toBe(2);
    for (const [, s] of hotline) expect(fs.existsSync(path.join(ROOT, s.command[1]))).toBe(true);
    const nginx = fs.readFileSync(path.join(ROOT, 'deploy', 'nginx.conf'), 'utf8');
    const upstream = [...nginx.matchAll(/server (\S+):(\d+)/g)].map((m) => [m[1], Number(m[2])]);
    expect(upstream).toEqual(web.map((name) => [name, Number(envOf(services[name]).PORT)]));
    expect(services.lb.volumes[0]).toMatch(/^\.\/nginx\.conf:/);
  });

  it('gives every process a configuration the product accepts, the same secret and store, and time to shut down', () => {
    const hotline = Object.values(services).filter(isHotline);
    for (const s of hotline) {
      const env = envOf(s);
      for (const name of Object.keys(env)) expect({ name, known: CONFIG_VARIABLES.includes(name) || ['NODE_ENV', 'DOTENV_CONFIG_QUIET', 'HOTLINE_ROLE'].includes(name) }).toEqual({ name, known: true });
      const config = loadConfig(env);
      expect(config.redisTopology).toEqual({ kind: 'standalone', url: 'redis://redis:6379' });
      expect(config.host).toBe('0.0.0.0');
      expect(config.dataDir).toBe('/app/var');
      expect(s.volumes).toContain('hotline-data:/app/var');
      // Docker's SIGKILL comes after stop_grace_period: later than the product's own limit.
      expect(Number(/^(\d+)s$/.exec(s.stop_grace_period)![1]) * 1000).toBeGreaterThan(config.shutdownTimeoutMs);
      const probe = s.healthcheck.test.join(' ');
      expect(probe).toContain(`http://127.0.0.1:${s.command[1] === 'dist/bot/web.js' ? config.port : config.opsPort}/readyz`);
    }
    const uris = new Set(hotline.map((s) => envOf(s).MONGODB_URI));
    expect(uris.size).toBe(1);
    // mongodb://host1,host2,host3/db?options (several hosts: not a WHATWG URL)
    const uri = /^mongodb:\/\/([^/]+)\/(\w+)\?(.*)$/.exec([...uris][0])!;
    expect(new URLSearchParams(uri[3]).get('replicaSet')).toBe('rs0');
    expect(uri[2]).toBe('hotline');
    expect(new Set(hotline.map((s) => envOf(s).DIRECTLINE_SECRET)).size).toBe(1);
  });

  it('keeps Redis on an append-only file and MongoDB as a three-member replica set that initiates itself', () => {
    const redis = services.redis.command.join(' ');
    expect(redis).toMatch(/--appendonly yes/);
    expect(redis).toMatch(/--maxmemory-policy noeviction/);
    expect(services.redis.volumes[0]).toMatch(/:\/data$/);
    const members = Object.entries(services).filter(([, s]) => /^mongo:/.test(s.image));
    expect(members.map(([n]) => n).sort()).toEqual(['mongo1', 'mongo2', 'mongo3']);
    for (const [, s] of members) expect(s.command).toEqual(['mongod', '--replSet', 'rs0', '--bind_ip_all']);
    const init = services.mongo1.healthcheck.test.join(' ');
    for (const [name] of members) expect(init).toContain(`host: '${name}:27017'`);
    const hosts = /^mongodb:\/\/([^/]+)\//.exec(envOf(services['web-1']).MONGODB_URI)![1];
    expect(hosts.split(',').sort()).toEqual(members.map(([n]) => `${n}:27017`).sort());
  });
});

describe('the image runtime stage, rebuilt as a folder and run here', () => {
  const image = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-image-'));
  const prefix = testPrefix('image');
  const redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const procs: ChildProcess[] = [];
  let channel: CaptureChannel;

  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await channel?.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    fs.rmSync(image, { recursive: true, force: true });
  }, 30_000);

  it('serves the chat page, the console and a whole conversation from production dependencies only, as an unprivileged user', async () => {
    // What the runtime stage copies (files hard-linked, so nothing is written back to the project).
    const runtime = dockerfile().at(-1)!.filter((i) => i.op === 'COPY').map((i) => copyParts(i.args));
    for (const c of runtime) {
      for (const src of c.sources) {
        const rel = path.relative('/app', src);
        if (rel === 'node_modules' || rel === 'var') continue;
        const target = path.join(image, c.dest.endsWith('/') || c.dest === './' ? path.basename(rel) : c.dest);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        execFileSync('cp', ['-al', path.join(ROOT, rel), target]);
      }
    }
    // dist here also holds the compiled tests and benchmarks, which the image leaves out.
    fs.rmSync(path.join(image, 'dist', 'test'), { recursive: true, force: true });
    fs.rmSync(path.join(image, 'dist', 'bench'), { recursive: true, force: true });
    // node_modules after `npm prune --omit=dev`: the packages npm lists for production, nothing else.
    // (npm ls exits non-zero over botframework-webchat's peer ranges; the list it prints is complete.)
    const prod = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 })
      .stdout.split('\n')
      .map((p) => path.relative(ROOT, p.trim()))
      .filter((p) => p.startsWith('node_modules' + path.sep))
      .sort();
    let copied = 0;
    for (const rel of prod) {
      const target = path.join(image, rel);
      if (fs.existsSync(target)) continue;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      execFileSync('cp', ['-al', path.join(ROOT, rel), target]);
      copied++;
    }
    expect(copied).toBeGreaterThan(100);
    // (typescript stays: valibot, under bull-board, names it as an optional peer, so npm keeps it with --omit=dev.)
    for (const dev of ['jest', 'playwright-core', '@swc/core', 'botbuilder-testing']) expect({ dev, present: fs.existsSync(path.join(image, 'node_modules', dev)) }).toEqual({ dev, present: false });
    // DATA_DIR is the only place the processes write; readable folders for the unprivileged user.
    const dataDir = path.join(image, 'var');
    copyTestModel(dataDir);
    execFileSync('chmod', ['755', image]);
    const root = process.getuid?.() === 0;
    if (root) execFileSync('chown', ['-R', 'nobody', dataDir]);
    channel = await new CaptureChannel().start();
    const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DOTENV_CONFIG_QUIET: 'true', HOST: '127.0.0.1', PORT: '0', OPS_PORT: '0', DATA_DIR: dataDir, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, CLASSIFIER_RETRAIN_CRON: 'off', REPORT_CRON: 'off', LOG_LEVEL: 'error', DIRECTLINE_SECRET: crypto.randomBytes(32).toString('base64url'), CONSOLE_ADMIN_PASSWORD: 'Image-Test-2026!' };
    // As root (CI), the processes run as nobody; otherwise as the unprivileged user running the tests.
    const asUser = root ? { uid: Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' })) } : {};
    const start = (file: string, ready: RegExp) => {
      const p = spawn(process.execPath, [file], { cwd: image, env: { ...env, HOME: dataDir }, stdio: ['ignore', 'pipe', 'pipe'], ...asUser });
      procs.push(p);
      let out = '';
      p.stdout!.on('data', (d) => (out += d));
      p.stderr!.on('data', (d) => (out += d));
      return waitFor(() => {
        if (p.exitCode !== null) throw new Error(`${file} exited:\n${out}`);
        return ready.exec(out)?.[1];
      }, 60_000, file);
    };
    const [web] = await Promise.all([start('dist/bot/web.js', /12345 web process on (http:\/\/\S+)/), start('dist/workers/main.js', /(workers running)/)]);
    expect((await fetch(web + '/readyz')).status).toBe(200);
    expect(await (await fetch(web + '/')).text()).toMatch(/<html/i);
    expect((await fetch(web + '/console/')).status).toBe(200);
    const conv = 'image-' + crypto.randomUUID();
    await converse(web, channel, conv, STREETLIGHT_COMPLAINT);
    await waitFor(() => channel.texts(conv).some((t) => t.startsWith('【工单进展】')) || undefined, 30_000, 'ticket routed by the worker process');
    // Nothing written outside DATA_DIR.
    expect(fs.readdirSync(image).sort()).toEqual(['bot', 'data', 'dist', 'node_modules', 'package-lock.json', 'package.json', 'var']);
  }, 180_000);
});
